"""The page lane sends a kept module page only where Flask would certainly send the same page.

Each case is loaded by two agents in the same state: the first from Flask alone (which renders the
page and keeps it), the second through the whole app (the lanes in front of Flask). Status, headers and
body must be the same, apart from each agent's own tokens, and the lane must have answered exactly
the cases marked for it (Flask's `request_started` fires only for the others).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from lms.models import ModuleProgress
from lms.models.types import utcnow
from lms.services import module_page, tokens
from lms.web import page_lane
from lms.web.kept_pages import MODULE_PAGES
from lms.web.page_lane import PageLane
from tests.support.apps import make_app
from tests.support.lane import (
    EveryPageKept,
    SignedUp,
    change_password_elsewhere,
    change_session,
    database_gone,
    page_answer,
    send,
    sign_out_everywhere,
    signed_up,
)

MODULE_KEY = "py2030/core/intro"
MODULE = f"/learn/{MODULE_KEY}"


def _load(app: Flask, agent: SignedUp, build: Callable[[SignedUp], dict[str, Any]], lane: bool):
    """The answer (status, headers, body with the agent's own tokens written alike) and whether Flask
    handled it."""
    return page_answer(app, agent.client, lane, **{"path": MODULE, **build(agent)})


def _plain(_agent: SignedUp) -> dict[str, Any]:
    return {}


def _then(change: Callable[[SignedUp], None], **request: Any) -> Callable[[SignedUp], dict[str, Any]]:
    def build(agent: SignedUp) -> dict[str, Any]:
        change(agent)
        return request

    return build


def _progress(seconds: int, completed: bool = False) -> Callable[[SignedUp], None]:
    def change(agent: SignedUp) -> None:
        with agent.client.application.extensions["lms.db"].unit_of_work() as work, work.write() as session:
            session.add(ModuleProgress(user_id=agent.user_id, module_key=MODULE_KEY, seconds_spent=seconds,
                                       counted_until=int(time.time()) - 600,
                                       completed_at=utcnow() if completed else None))

    return change


def _session_change(change: Callable[[dict[str, Any]], None]) -> Callable[[SignedUp], None]:
    return lambda agent: change_session(agent.client, change)


def _nothing(_agent: SignedUp) -> None:
    return None


CASES: dict[str, tuple[Callable[[SignedUp], dict[str, Any]], bool]] = {
    # name: (the request, whether the lane answers it)
    "a kept page": (_plain, True),
    "a query string the page does not read": (_then(_nothing, path=f"{MODULE}?from=home"), True),
    "read for a while (the time still needed shown)": (_then(_progress(120)), True),
    "read for long enough": (_then(_progress(900)), True),
    "completed (the day shown in the agent's time zone)": (_then(_progress(900, completed=True)), False),
    "a message flashed for this page": (
        _then(_session_change(lambda session: session.update(_flashes=[("success", "Saved.")]))), False),
    "no CSRF token in the session yet": (_then(_session_change(lambda session: session.pop("csrf_token"))), False),
    "a permanent session (Flask sends the cookie again)": (
        _then(_session_change(lambda session: setattr(session, "permanent", True))), False),
    "another browser than at sign-in (session protection)": (
        _then(_nothing, headers={"User-Agent": "another browser"}), False),
    "signed out everywhere": (_then(lambda agent: sign_out_everywhere(agent.client.application, agent.user_id)), False),
    "the password changed elsewhere": (
        _then(lambda agent: change_password_elsewhere(agent.client.application, agent.user_id)), False),
    "no cookie at all": (_then(lambda agent: agent.client.delete_cookie("session")), False),
    "a track with conditions": (_then(_nothing, path="/learn/py2030/extra/more"), False),
    "a track only for returning agents": (_then(_nothing, path="/learn/py2030/returning/refresh"), False),
    "no such module": (_then(_nothing, path="/learn/py2030/core/nowhere"), False),
    "a trailing slash": (_then(_nothing, path=f"{MODULE}/"), False),
    "a NUL in the query string": (_then(_nothing, path=f"{MODULE}?from=%00"), False),
    "HEAD instead of GET": (_then(_nothing, method="HEAD"), False),
    "over HTTPS": (_then(_nothing, base_url="https://localhost"), True),
    "a site mounted under a path (its links are Flask's to build)": (
        _then(_nothing, base_url="http://localhost/training"), False),
}


def _keep_every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Flask's view keeps its own pages; the lane finds one kept for every case."""
    monkeypatch.setattr(page_lane, "MODULE_PAGES", EveryPageKept())


def _answers_as_flask_would(app: Flask, case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    build, by_lane = CASES[case]
    through_flask, through_app = signed_up(app), signed_up(app)
    if not by_lane:
        _keep_every_page(monkeypatch)
    expected, flask_handled = _load(app, through_flask, build, lane=False)
    answered, handled = _load(app, through_app, build, lane=True)
    assert flask_handled
    assert handled is not by_lane, "the lane answered a case for Flask" if handled is False else \
        "the lane passed a case it should answer"
    assert answered == expected


@pytest.mark.parametrize("case", CASES)
def test_the_lane_answers_as_flask_would(player_app, case, monkeypatch):
    _answers_as_flask_would(player_app, case, monkeypatch)


@pytest.mark.parametrize("case", ["a kept page", "read for a while (the time still needed shown)",
                                  "signed out everywhere"])
def test_the_lane_answers_as_flask_would_on_each_database(player_app_on_each_database, case, monkeypatch):
    _answers_as_flask_would(player_app_on_each_database, case, monkeypatch)


def test_a_page_not_kept_yet_goes_to_flask_which_keeps_it_for_the_next(player_app):
    first, second = signed_up(player_app), signed_up(player_app)
    MODULE_PAGES.clear()
    assert _load(player_app, first, _plain, lane=True)[1] is True
    assert _load(player_app, second, _plain, lane=True)[1] is False


def test_a_page_from_the_lane_carries_the_agents_own_working_tokens(player_app):
    _load(player_app, signed_up(player_app), _plain, lane=False)  # kept
    agent = signed_up(player_app)
    response, handled = send(player_app, agent.client.get, True, path=MODULE)
    page = response.get_data(as_text=True)
    assert (response.status_code, handled) == (200, False)
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in response.headers
    assert "lms-csrf-" not in page and "lms-opened-" not in page
    note = re.search(r'name="opened" value="([^"]+)"', page).group(1)
    assert tokens.page_opened_at(player_app.config["SECRET_KEY"], note, agent.user_id, MODULE_KEY) is not None
    # The page's form works with the token it carries: Flask-WTF accepts it.
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = agent.client.post(f"{MODULE}/complete", data={"csrf_token": token, "opened": note})
    assert done.status_code == 302


def test_an_error_in_the_lane_leaves_the_request_to_flask(player_app, monkeypatch, caplog):
    _load(player_app, signed_up(player_app), _plain, lane=False)  # kept

    monkeypatch.setattr(module_page, "module_page_if_signed_in", database_gone)
    (status, _headers, body), handled = _load(player_app, signed_up(player_app), _plain, lane=True)
    assert (status, handled) == (200, True) and "The intro text." in body
    assert [entry for entry in caplog.records if entry.name == "lms.web.page_lane"]


def test_a_host_the_site_does_not_trust_goes_to_flask(player_app):
    _load(player_app, signed_up(player_app), _plain, lane=False)  # kept
    agent = signed_up(player_app)
    player_app.config["TRUSTED_HOSTS"] = ["training.example.org"]
    (status, _headers, _body), handled = _load(player_app, agent, _plain, lane=True)
    assert (status, handled) == (400, True)


@pytest.mark.parametrize("setting", ["LOGIN_DISABLED", "REMEMBER_COOKIE_REFRESH_EACH_REQUEST"])
def test_a_setting_that_changes_what_flask_does_sends_the_page_to_flask(player_app, monkeypatch, setting):
    agent = signed_up(player_app)
    _keep_every_page(monkeypatch)
    player_app.config[setting] = True
    (status, _headers, body), handled = _load(player_app, agent, _plain, lane=True)
    assert (status, handled) == (200, True) and "The intro text." in body


def test_the_page_lane_can_be_turned_off(tmp_path, monkeypatch, sqlite_url, player_root):
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01",
                   PAGE_LANE=False)
    try:
        assert not isinstance(app.wsgi_app.wsgi_app.flask_wsgi, PageLane)
        first, second = signed_up(app), signed_up(app)
        assert first.client.get(MODULE).status_code == second.client.get(MODULE).status_code == 200
    finally:
        app.extensions["lms.db"].dispose()


def test_the_lanes_account_for_every_hook_flask_runs_around_their_requests(player_app):
    """The lanes answer before Flask's hooks run, so each hook Flask runs for their requests (app-wide,
    or the player's blueprint) is one whose effect they reproduce or whose refusals they leave to Flask:
    the CSRF check of posts, the NUL check, the outbox's start, remember-me and no-store, the unit of
    work. A new hook fails here until the lanes (lms/web/lanes.py) account for it."""
    def hooks(registered: dict) -> list[str]:
        return sorted(hook.__qualname__ for hook in [*registered.get(None, ()), *registered.get("player", ())])

    assert hooks(player_app.before_request_funcs) == [
        "CSRFProtect.init_app.<locals>.csrf_protect", "init_app.<locals>.refuse_unreadable_input"]
    assert hooks(player_app.after_request_funcs) == [
        "LoginManager._update_remember_cookie", "init_app.<locals>.not_stored"]
    assert hooks(player_app.teardown_request_funcs) == ["init_app.<locals>.close_unit_of_work"]
    assert hooks(player_app.url_value_preprocessors) == [] and hooks(player_app.url_default_functions) == []
