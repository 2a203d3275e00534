"""The page lane sends a kept attempt page (a reload) only where Flask would certainly send the same page
(module pages: `test_page_lane.py`).

An attempt's page is kept for that attempt alone (its questions are drawn for it), so each case the
lane should answer loads the same agent's page twice with the clock stopped: from Flask alone, then
through the whole app, and the two answers must be the same but for the CSRF token. Each case for
Flask is loaded through the whole app as if a page were kept for it, and Flask must have answered it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from lms.clock import Clock
from lms.models import Attempt
from lms.services import attempt_page
from lms.web import page_lane
from lms.web.kept_pages import ATTEMPT_PAGES
from tests.support.apps import make_app
from tests.support.lane import (
    EveryPageKept,
    change_password_elsewhere,
    change_session,
    database_gone,
    page_answer,
    send,
    sign_out_everywhere,
)
from tests.support.player_tree import RULES_EXAM, write_player_tree
from tests.support.web import post_form, sign_up

EXAM = "/exams/py2030/core/rules"
STARTED = dt.datetime.now(dt.UTC)
_emails = itertools.count()


@pytest.fixture
def timed_app(tmp_path, monkeypatch, db_url):
    """The player's tree with a 30-minute exam, and a clock stopped (attempts start with 30 minutes left)."""
    root = write_player_tree(tmp_path / "content",
                             {"quizzes/py2030/core/rules.yaml": "time_limit_minutes: 30\n" + RULES_EXAM})
    app = make_app(tmp_path, monkeypatch, db_url, CONTENT_ROOT=str(root), TODAY="2029-09-01")
    monkeypatch.setattr(Clock, "now", lambda _self: STARTED + dt.timedelta(minutes=5))
    yield app
    app.extensions["lms.db"].dispose()


@dataclass
class Agent:
    client: FlaskClient
    url: str  # their open attempt's page

    @property
    def attempt_id(self) -> int:
        return int(self.url.rsplit("/", 1)[1])


def _agent(app: Flask) -> Agent:
    client = app.test_client()
    sign_up(client, f"attempt-lane-{next(_emails)}@example.com")
    return Agent(client, post_form(client, f"{EXAM}/start", {}, form_url=EXAM).headers["Location"])


def _load(app: Flask, agent: Agent, request: dict[str, Any], lane: bool):
    return page_answer(app, agent.client, lane, **{"path": agent.url, **request})


def _saved(agent: Agent) -> dict[str, Any]:
    page = agent.client.get(agent.url).get_data(as_text=True)
    numeric = re.search(r'name="(q-days)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    saved = agent.client.post(f"{agent.url}/save", data={numeric: "45", "csrf_token": token},
                              headers={"Accept": "application/json"})
    assert saved.get_json()["saved"] is True
    return {}


def _write(agent: Agent, **values: Any) -> None:
    with agent.client.application.extensions["lms.db"].unit_of_work() as work, work.write() as session:
        session.execute(update(Attempt).where(Attempt.id == agent.attempt_id).values(**values))


def _session(change: Callable[[Any], None]) -> Callable[[Agent], dict[str, Any]]:
    return lambda agent: change_session(agent.client, change) or {}


def _another_agents(agent: Agent) -> dict[str, Any]:
    return {"path": _agent(agent.client.application).url}


def _out_of_time(agent: Agent) -> dict[str, Any]:
    _write(agent, deadline=STARTED - dt.timedelta(hours=1))
    return {}


def _submitted(agent: Agent) -> dict[str, Any]:
    _write(agent, status="submitted", submitted_at=STARTED, percent=0.0, passed=False)
    return {}


def _signed_out(agent: Agent) -> dict[str, Any]:
    sign_out_everywhere(agent.client.application, _user_id(agent))
    return {}


def _password_changed(agent: Agent) -> dict[str, Any]:
    change_password_elsewhere(agent.client.application, _user_id(agent))
    return {}


def _user_id(agent: Agent) -> int:
    with agent.client.application.extensions["lms.db"].reading() as session:
        return session.scalars(select(Attempt.user_id).where(Attempt.id == agent.attempt_id)).one()


FOR_THE_LANE: dict[str, Callable[[Agent], dict[str, Any]]] = {
    "a reload": lambda agent: {},
    "a reload after an autosave": _saved,
    "a query string the page does not read": lambda agent: {"query_string": "from=exam"},
    "over HTTPS": lambda agent: {"base_url": "https://localhost"},
}

FOR_FLASK: dict[str, Callable[[Agent], dict[str, Any]]] = {
    "another agent's attempt": _another_agents,
    "no such attempt": lambda agent: {"path": "/attempts/999999"},
    "a leading zero": lambda agent: {"path": f"/attempts/0{agent.attempt_id}"},
    "out of time (Flask scores it)": _out_of_time,
    "submitted (Flask shows the result)": _submitted,
    "signed out everywhere": _signed_out,
    "the password changed elsewhere": _password_changed,
    "a message flashed for this page": _session(lambda session: session.update(_flashes=[("success", "Saved.")])),
    "no CSRF token in the session yet": _session(lambda session: session.pop("csrf_token")),
    "a permanent session": _session(lambda session: setattr(session, "permanent", True)),
    "another browser than at sign-in": lambda agent: {"headers": {"User-Agent": "another browser"}},
    "a NUL in the query string": lambda agent: {"query_string": "from=%00"},
    "HEAD instead of GET": lambda agent: {"method": "HEAD"},
    "the result page": lambda agent: {"path": f"{agent.url}/result"},
}


@pytest.mark.parametrize("case", FOR_THE_LANE)
def test_the_lane_sends_a_kept_page_as_flask_would(timed_app, case):
    agent = _agent(timed_app)
    request = FOR_THE_LANE[case](agent)
    by_flask, flask_handled = _load(timed_app, agent, request, lane=False)  # rendered and kept
    by_lane, handled = _load(timed_app, agent, request, lane=True)
    assert (flask_handled, handled) == (True, False)
    assert by_lane == by_flask
    assert by_lane[0] == 200 and 'data-seconds-left="1800"' in by_lane[2]


@pytest.mark.parametrize("case", FOR_FLASK)
def test_the_lane_leaves_to_flask_what_it_cannot_be_sure_of(timed_app, case, monkeypatch):
    agent = _agent(timed_app)
    _load(timed_app, agent, {}, lane=False)  # kept
    request = FOR_FLASK[case](agent)
    monkeypatch.setattr(page_lane, "ATTEMPT_PAGES", EveryPageKept())  # only the lane's own checks stop it
    (_status, _headers, body), handled = _load(timed_app, agent, request, lane=True)
    assert handled, "the lane answered a case for Flask"
    assert EveryPageKept.PAGE not in body


def test_a_page_not_kept_yet_goes_to_flask_which_keeps_it_for_the_reload(timed_app):
    agent = _agent(timed_app)
    ATTEMPT_PAGES.clear()
    assert _load(timed_app, agent, {}, lane=True)[1] is True
    assert _load(timed_app, agent, {}, lane=True)[1] is False


def test_the_time_left_is_the_moments_own(timed_app, monkeypatch):
    agent = _agent(timed_app)
    _load(timed_app, agent, {}, lane=False)  # kept, at the start
    monkeypatch.setattr(Clock, "now", lambda _self: STARTED + dt.timedelta(minutes=12, seconds=30))
    (status, _headers, body), handled = _load(timed_app, agent, {}, lane=True)
    assert (status, handled) == (200, False)
    assert 'data-seconds-left="1350"' in body and ">22 min</strong>" in body


def test_an_error_in_the_lane_leaves_the_request_to_flask(timed_app, monkeypatch, caplog):
    agent = _agent(timed_app)
    _load(timed_app, agent, {}, lane=False)  # kept

    monkeypatch.setattr(attempt_page, "attempt_page_if_signed_in", database_gone)
    (status, _headers, body), handled = _load(timed_app, agent, {}, lane=True)
    assert (status, handled) == (200, True) and 'data-seconds-left="1800"' in body
    assert [entry for entry in caplog.records if entry.name == "lms.web.page_lane"]


def test_the_lane_sends_the_page_with_tokens_that_work(timed_app):
    agent = _agent(timed_app)
    _load(timed_app, agent, {}, lane=False)  # kept
    response, handled = send(timed_app, agent.client.get, True, path=agent.url)
    page = response.get_data(as_text=True)
    assert (response.status_code, handled) == (200, False) and "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store" and not re.search(r"lms-[a-z-]+-[0-9a-f]{16}", page)
    numeric = re.search(r'name="(q-days)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    saved = agent.client.post(f"{agent.url}/save", data={numeric: "45", "csrf_token": token},
                              headers={"Accept": "application/json"})
    assert saved.get_json()["saved"] is True
