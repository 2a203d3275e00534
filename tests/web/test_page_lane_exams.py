"""The page lane sends a kept exam page only where Flask would certainly send the same page (module
pages: `test_page_lane.py`; attempt pages: `test_page_lane_attempts.py`).

Each case the lane should answer loads the same agent's exam page twice: from Flask alone (which
renders and keeps it), then through the whole app; the two answers must be the same but for the CSRF
token. Each case for Flask is loaded through the whole app as if a page were kept for it, and Flask
must have answered it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from lms.models import Attempt
from lms.services import standings
from lms.web import page_lane
from lms.web.kept_pages import EXAM_PAGES
from tests.support.lane import (
    EveryPageKept,
    SignedUp,
    change_password_elsewhere,
    change_session,
    database_gone,
    page_answer,
    sign_out_everywhere,
    signed_up,
)
from tests.support.web import post_form

EXAM = "/exams/py2030/core/rules"


def _load(app: Flask, agent: SignedUp, request: dict[str, Any], lane: bool):
    return page_answer(app, agent.client, lane, **{"path": EXAM, **request})


def _started(agent: SignedUp) -> str:
    return post_form(agent.client, f"{EXAM}/start", {}, form_url=EXAM).headers["Location"]


def _with_an_open_attempt(agent: SignedUp) -> dict[str, Any]:
    _started(agent)
    return {}


def _with_a_submitted_attempt(agent: SignedUp) -> dict[str, Any]:
    attempt_id = int(_started(agent).rsplit("/", 1)[1])
    with agent.client.application.extensions["lms.db"].unit_of_work() as work, work.write() as session:
        session.execute(update(Attempt).where(Attempt.id == attempt_id).values(
            status="submitted", submitted_at=Attempt.started_at, percent=0.0, passed=False))
    return {}


def _session(change: Callable[[Any], None]) -> Callable[[SignedUp], dict[str, Any]]:
    return lambda agent: change_session(agent.client, change) or {}


FOR_THE_LANE: dict[str, Callable[[SignedUp], dict[str, Any]]] = {
    "not started": lambda agent: {},
    "an attempt open": _with_an_open_attempt,
    "a query string the page does not read": lambda agent: {"query_string": "from=module"},
    "over HTTPS": lambda agent: {"base_url": "https://localhost"},
}

FOR_FLASK: dict[str, Callable[[SignedUp], dict[str, Any]]] = {
    "an attempt submitted (listed in the agent's time zone)": _with_a_submitted_attempt,
    "signed out everywhere": lambda agent: sign_out_everywhere(agent.client.application, agent.user_id) or {},
    "the password changed elsewhere": (
        lambda agent: change_password_elsewhere(agent.client.application, agent.user_id) or {}),
    "a message flashed for this page": _session(lambda session: session.update(_flashes=[("success", "Done.")])),
    "no CSRF token in the session yet": _session(lambda session: session.pop("csrf_token")),
    "a permanent session": _session(lambda session: setattr(session, "permanent", True)),
    "another browser than at sign-in": lambda agent: {"headers": {"User-Agent": "another browser"}},
    "a track only for returning agents": lambda agent: {"path": "/exams/py2030/returning/refresh"},
    "no such exam": lambda agent: {"path": "/exams/py2030/core/nowhere"},
    "the start address, read": lambda agent: {"path": f"{EXAM}/start"},
    "a NUL in the query string": lambda agent: {"query_string": "from=%00"},
    "HEAD instead of GET": lambda agent: {"method": "HEAD"},
    "a site mounted under a path": lambda agent: {"base_url": "http://localhost/training"},
}


@pytest.mark.parametrize("case", FOR_THE_LANE)
def test_the_lane_sends_a_kept_page_as_flask_would(player_app_on_each_database, case):
    app = player_app_on_each_database
    agent = signed_up(app)
    request = FOR_THE_LANE[case](agent)
    by_flask, flask_handled = _load(app, agent, request, lane=False)  # rendered and kept
    by_lane, handled = _load(app, agent, request, lane=True)
    assert (flask_handled, handled) == (True, False)
    assert by_lane == by_flask and by_lane[0] == 200


@pytest.mark.parametrize("case", FOR_FLASK)
def test_the_lane_leaves_to_flask_what_it_cannot_be_sure_of(player_app, case, monkeypatch):
    agent = signed_up(player_app)
    request = FOR_FLASK[case](agent)
    monkeypatch.setattr(page_lane, "EXAM_PAGES", EveryPageKept())  # only the lane's own checks stop it
    (_status, _headers, body), handled = _load(player_app, agent, request, lane=True)
    assert handled, "the lane answered a case for Flask"
    assert EveryPageKept.PAGE not in body


def test_agents_who_have_not_started_share_one_render(player_app):
    first, second = signed_up(player_app), signed_up(player_app)
    EXAM_PAGES.clear()
    assert _load(player_app, first, {}, lane=True)[1] is True  # rendered by Flask and kept
    (status, _headers, body), handled = _load(player_app, second, {}, lane=True)
    assert (status, handled) == (200, False) and "<dt>Pass mark</dt>" in body
    token = re.search(r'name="csrf_token" value="([^"]+)"', second.client.get(EXAM).get_data(as_text=True))
    started = second.client.post(f"{EXAM}/start", data={"csrf_token": token.group(1)})
    assert started.status_code == 302 and "/attempts/" in started.headers["Location"]  # its token works


def test_an_error_in_the_lane_leaves_the_request_to_flask(player_app, monkeypatch, caplog):
    agent = signed_up(player_app)
    _load(player_app, agent, {}, lane=False)  # kept

    monkeypatch.setattr(standings, "shown_standing_if_signed_in", database_gone)
    (status, _headers, body), handled = _load(player_app, agent, {}, lane=True)
    assert (status, handled) == (200, True) and "<dt>Pass mark</dt>" in body
    assert [entry for entry in caplog.records if entry.name == "lms.web.page_lane"]
