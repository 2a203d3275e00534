"""How the application object serves requests, where it differs from plain Flask."""

from __future__ import annotations

import flask.app
import pytest


def test_hooks_and_views_are_checked_for_async_once_and_async_ones_still_go_to_flask(app, monkeypatch):
    checked = []
    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", lambda func: checked.append(func) or real(func))
    client = app.test_client()
    assert client.get("/account/sign-in").status_code == 200
    seen = len(checked)
    assert client.get("/account/sign-in").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    assert len(checked) == seen + 1  # only the 404 handler was new; the page's hooks and view were known

    async def asynchronous_view():
        return "never"

    with pytest.raises(RuntimeError, match="async"):  # Flask's own answer, as without the memo
        app.ensure_sync(asynchronous_view)
