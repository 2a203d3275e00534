"""How the application object serves requests, where it differs from plain Flask."""

from __future__ import annotations

import flask.app
import pytest
from flask import Flask, url_for
from werkzeug.routing import MapAdapter


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


def test_links_are_built_once_and_each_is_what_flask_builds(app, monkeypatch):
    built = []
    real = MapAdapter.build
    monkeypatch.setattr(MapAdapter, "build", lambda self, *args, **kwargs: built.append(args[0])
                        or real(self, *args, **kwargs))
    client = app.test_client()
    page = client.get("/account/sign-in")
    assert page.status_code == 200 and built
    first = len(built)
    assert client.get("/account/sign-in").status_code == 200
    assert len(built) == first  # every link of the page was remembered

    rcl = {"program": "marketplace"}
    cases = [("public.home", {}), ("static", {"filename": "css/site.css"}),
             ("player.module", {"program": "marketplace", "track": "individual", "module": "m1"}),
             ("player.result", {"attempt_id": 7}), ("player.result", {"attempt_id": 7, "_anchor": "score"}),
             ("public.rcl_page", {**rcl, "q": "Smith", "page": 2}), ("public.rcl_page", {**rcl, "page": True}),
             ("public.rcl_page", {**rcl, "page": 1}), ("public.rcl_page", {**rcl, "state": ["TX", "OH"]}),
             ("public.rcl_page", {**rcl, "q": "Smith", "_external": True}), (".home", {})]
    for _ in range(2):  # the second time from what the first remembered
        with app.test_request_context("/"):
            links = [url_for(endpoint, **values) for endpoint, values in cases]
            assert links == [Flask.url_for(app, endpoint, **values) for endpoint, values in cases]
    assert links[5] != links[6] != links[7]  # True and 1 are equal in Python, but not as written in a link
    assert links[9].startswith("http://localhost/")


def test_a_site_served_under_a_path_links_under_it_after_serving_the_same_page_at_the_root(app):
    client = app.test_client()
    at_root = client.get("/account/sign-in").get_data(as_text=True)
    under = client.get("/account/sign-in", base_url="http://localhost/training/").get_data(as_text=True)
    assert 'href="/account/sign-up"' in at_root
    assert 'href="/training/account/sign-up"' in under and 'href="/account/sign-up"' not in under


def test_the_app_collects_young_garbage_less_often_and_keeps_a_higher_setting(tmp_path, monkeypatch, sqlite_url):
    # A submission made a few young collections each at CPython's 700; see lms.app.GC_YOUNG_THRESHOLD.
    import gc

    from lms import app as app_module
    from tests.support.apps import make_app

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        made = make_app(tmp_path, monkeypatch, sqlite_url)
        assert gc.get_threshold() == (app_module.GC_YOUNG_THRESHOLD, 10, 10)
        made.extensions["lms.db"].dispose()
        gc.set_threshold(50_000, 5, 5)
        app_module._collect_garbage_less_often()
        assert gc.get_threshold() == (50_000, 5, 5)
    finally:
        gc.set_threshold(*before)
