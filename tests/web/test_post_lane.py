"""The post lane answers only heartbeats Flask would certainly answer the same way (autosaves and
submissions: `test_post_lane_answers.py`; starts: `test_post_lane_start.py`).

Each case is sent twice, by two agents in the same state: once through the whole app (the lane in
front of Flask) and once to Flask alone. Status, headers, body and the seconds credited must be the
same, and the lane must have answered exactly the cases marked for it (Flask's `request_started`
fires only for the others).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from flask_login import utils as login_utils
from sqlalchemy import select

from lms.models import ModuleProgress, User
from lms.services import progress
from lms.signatures import signing_for
from lms.web.lane_checks import client_identifier
from lms.web.post_lane import PostLane
from tests.support.apps import make_app
from tests.support.lane import assert_alike, change_password_elsewhere, post, sign_out_everywhere
from tests.support.web import csrf_token, new_agents

MODULE_KEY = "py2030/core/intro"
MODULE = f"/learn/{MODULE_KEY}"
_emails = itertools.count()
_TOKEN_VALUE = re.compile(rb'name="csrf_token" value="[^"]*"')


@dataclass
class Agent:
    client: FlaskClient
    user_id: int
    token: str  # the CSRF token on the agent's module page
    note: str  # the page's seat-time note, signed ten minutes ago: a heartbeat credits the cap (150 s)


def _agent(app: Flask) -> Agent:
    email = f"lane-{next(_emails)}@example.com"
    (client,) = new_agents(app, email)
    token = csrf_token(client, MODULE)
    with app.extensions["lms.db"].reading() as session:
        user_id = session.scalars(select(User.id).where(User.email == email)).one()
    return Agent(client, user_id, token, _note(app, user_id, MODULE_KEY))


def _note(app: Flask, user_id: int, module_key: str, seconds_ago: int = 600) -> str:
    signing = signing_for(app.config["SECRET_KEY"], "lms.seat-time")
    return signing.sign(f"{user_id}:{module_key}".encode(), now=int(time.time()) - seconds_ago).decode()


def _seconds(app: Flask, user_id: int) -> int | None:
    with app.extensions["lms.db"].reading() as session:
        return session.scalars(select(ModuleProgress.seconds_spent).where(
            ModuleProgress.user_id == user_id, ModuleProgress.module_key == MODULE_KEY)).one_or_none()


def _send(app: Flask, agent: Agent, build: Callable[[Agent], dict[str, Any]], lane: bool):
    """The response, whether Flask handled it, and the seconds then credited to the agent."""
    response, handled = post(app, agent.client, lane, **{"path": f"{MODULE}/heartbeat", **build(agent)})
    headers = sorted((name, value if name != "Set-Cookie" else value.partition("=")[0])
                     for name, value in response.headers.items())
    body = _TOKEN_VALUE.sub(b'name="csrf_token" value="(this agent\'s)"', response.get_data())  # pages may hold forms
    return (response.status_code, headers, body), handled, _seconds(app, agent.user_id)


def _form(agent: Agent) -> dict[str, Any]:
    return {"data": {"opened": agent.note, "csrf_token": agent.token}}


def _header(agent: Agent) -> dict[str, Any]:  # as player.js sends it
    return {"data": {"opened": agent.note}, "headers": {"X-CSRFToken": agent.token}}


def _reading_for_a_while(agent: Agent) -> None:
    """The module's row exists, its time counted until ten minutes ago (60 s so far): the heartbeats
    after a module's first, which the lane sends as one statement that checks who is signed in too."""
    with agent.client.application.extensions["lms.db"].unit_of_work() as work, work.write() as session:
        session.add(ModuleProgress(user_id=agent.user_id, module_key=MODULE_KEY, seconds_spent=60,
                                   counted_until=int(time.time()) - 600))


def _later_beat(agent: Agent, meanwhile: Callable[[Agent], None] = lambda agent: None) -> dict[str, Any]:
    _reading_for_a_while(agent)
    meanwhile(agent)
    return _header(agent)


def _signed_out_everywhere(agent: Agent) -> None:
    sign_out_everywhere(agent.client.application, agent.user_id)


def _password_changed(agent: Agent) -> None:
    change_password_elsewhere(agent.client.application, agent.user_id)


CASES: dict[str, tuple[Callable[[Agent], dict[str, Any]], bool]] = {
    # name: (the request, whether the lane answers it)
    "token in the form": (_form, True),
    "token in the header, as the page's script sends it": (_header, True),
    "a repeated field (the first counts)": (
        lambda agent: {"data": {"opened": [agent.note, "forged"], "csrf_token": agent.token}}, True),
    "a seat note for another module (nothing credited)": (
        lambda agent: {"data": {"opened": _note_for(agent, "py2030/core/rules"), "csrf_token": agent.token}}, True),
    "no CSRF token": (lambda agent: {"data": {"opened": agent.note}}, False),
    "a token not of this session": (
        lambda agent: {"data": {"opened": agent.note, "csrf_token": agent.token[:-4] + "AAAA"}}, False),
    "a NUL in a field": (lambda agent: {"data": {"opened": agent.note + "\x00", "csrf_token": agent.token}}, False),
    "a NUL in the query string": (lambda agent: {**_form(agent), "path": f"{MODULE}/heartbeat?note=%00"}, False),
    "JSON instead of a form": (
        lambda agent: {"json": {"opened": agent.note}, "headers": {"X-CSRFToken": agent.token}}, False),
    "another browser than at sign-in (session protection)": (
        lambda agent: {**_form(agent), "headers": {"User-Agent": "another browser"}}, False),
    "HTTPS without a referrer": (lambda agent: {**_form(agent), "base_url": "https://localhost"}, False),
    "HTTPS from the site's own page": (
        lambda agent: {**_form(agent), "base_url": "https://localhost",
                       "headers": {"Referer": f"https://localhost{MODULE}"}}, True),
    "HTTPS from another site": (
        lambda agent: {**_form(agent), "base_url": "https://localhost",
                       "headers": {"Referer": "https://elsewhere.example/"}}, False),
    "a track with conditions": (lambda agent: {**_form(agent), "path": "/learn/py2030/extra/more/heartbeat"}, False),
    "no such module": (lambda agent: {**_form(agent), "path": "/learn/py2030/core/nowhere/heartbeat"}, False),
    "a heartbeat after the module's first": (_later_beat, True),
    "after the first, signed out everywhere meanwhile": (lambda agent: _later_beat(agent, _signed_out_everywhere),
                                                         False),
    "after the first, the password changed meanwhile": (lambda agent: _later_beat(agent, _password_changed), False),
    "after the first, a seat note for another module": (
        lambda agent: {**_later_beat(agent), "data": {"opened": _note_for(agent, "py2030/core/rules")}}, True),
    "a body too big for a heartbeat": (
        lambda agent: {"data": {"opened": agent.note, "csrf_token": agent.token, "padding": "x" * 3000}}, False),
}


def _note_for(agent: Agent, module_key: str) -> str:
    return _note(agent.client.application, agent.user_id, module_key)


def _answers_as_flask_would(app: Flask, case: str) -> None:
    build, by_lane = CASES[case]
    through_flask, through_app = _agent(app), _agent(app)
    assert_alike(_send(app, through_flask, build, lane=False), _send(app, through_app, build, lane=True), by_lane)


@pytest.mark.parametrize("case", CASES)
def test_the_lane_answers_as_flask_would(player_app, case):
    _answers_as_flask_would(player_app, case)



@pytest.mark.parametrize("case", ["token in the header, as the page's script sends it", "a token not of this session",
                                  "a heartbeat after the module's first",
                                  "after the first, signed out everywhere meanwhile"])
def test_the_lane_answers_as_flask_would_on_each_database(player_app_on_each_database, case):
    _answers_as_flask_would(player_app_on_each_database, case)


def test_a_heartbeat_by_the_lane_credits_the_time_and_answers_204(player_app):
    agent = _agent(player_app)
    (status, headers, body), handled, seconds = _send(player_app, agent, _header, lane=True)
    assert (status, body, handled, seconds) == (204, b"", False, 150)
    assert ("Cache-Control", "no-store") in headers and ("X-Frame-Options", "DENY") in headers
    assert all(name != "Set-Cookie" for name, _ in headers)


def test_a_signed_out_session_goes_to_flask_and_counts_nothing(player_app):
    agent = _agent(player_app)
    sign_out_everywhere(player_app, agent.user_id)
    (status, headers, _body), handled, seconds = _send(player_app, agent, _form, lane=True)
    location = dict(headers).get("Location", "")
    assert (handled, status, seconds) == (True, 302, None) and location.startswith("/account/sign-in"), location


def test_an_error_in_the_lane_leaves_the_request_to_flask(player_app, monkeypatch):
    agent = _agent(player_app)
    calls = []
    real = progress.heartbeat

    def fails_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(progress, "heartbeat", fails_once)
    (status, _headers, _body), handled, seconds = _send(player_app, agent, _form, lane=True)
    assert (status, handled, len(calls), seconds) == (204, True, 2, 150)  # Flask read the same body again


def test_the_lane_can_be_turned_off(tmp_path, monkeypatch, sqlite_url, player_root):
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01",
                   POST_LANE=False)
    try:
        assert not isinstance(app.wsgi_app.wsgi_app, PostLane)
    finally:
        app.extensions["lms.db"].dispose()


def test_a_body_over_the_sites_own_limit_goes_to_flask(player_app):
    agent = _agent(player_app)
    player_app.config["MAX_CONTENT_LENGTH"] = 100  # a heartbeat's body is longer
    (status, _headers, _body), handled, seconds = _send(player_app, agent, _form, lane=True)
    assert (status, handled, seconds) == (413, True, None)


@pytest.mark.parametrize("environ", [
    {"REMOTE_ADDR": "203.0.113.9", "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64)"},
    {"REMOTE_ADDR": "203.0.113.9"},  # no User-Agent
    {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": " 198.51.100.7 , 10.0.0.1", "HTTP_USER_AGENT": "curl/8"},
    {"REMOTE_ADDR": "10.0.0.2", "HTTP_USER_AGENT": "Navigateur Ã©tÃ© ✓"},  # not ASCII, as WSGI hands it over
])
def test_the_lanes_client_identifier_is_flask_logins(player_app, environ):
    with player_app.test_request_context("/", environ_base=environ):
        assert client_identifier(request.environ) == login_utils._create_identifier()


def test_a_host_the_site_does_not_trust_goes_to_flask(player_app):
    agent = _agent(player_app)
    player_app.config["TRUSTED_HOSTS"] = ["training.example.org", "localhost"]
    ours = _send(player_app, agent, _form, lane=True)
    assert ours[0][0] == 204 and not ours[1]  # a trusted host: the lane answers
    agent = _agent(player_app)
    player_app.config["TRUSTED_HOSTS"] = ["training.example.org"]
    (status, _headers, _body), handled, seconds = _send(player_app, agent, _form, lane=True)
    assert (status, handled, seconds) == (400, True, None)


def test_a_session_flask_would_write_again_goes_to_flask(player_app):
    agent = _agent(player_app)
    with agent.client.session_transaction() as session:
        session.permanent = True  # Flask sends a permanent session's cookie again on each response
    (status, headers, _body), handled, seconds = _send(player_app, agent, _form, lane=True)
    assert (status, handled, seconds) == (204, True, 150)
    assert any(name == "Set-Cookie" for name, _ in headers)
