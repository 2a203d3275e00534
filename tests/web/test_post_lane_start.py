"""The post lane starts only the attempts Flask would certainly start the same way, and sends the agent to
the same attempt.

Each case is sent twice, by two agents in the same state: once through the whole app (the lane in front
of Flask) and once to Flask alone. Status, headers, body and the agent's attempts and events afterwards
must be the same, and the lane must have answered exactly the cases marked for it.
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

from lms.models import Attempt, OutboxEvent, User
from tests.support.lane import answer_of, assert_alike, change_password_elsewhere, post, sign_out_everywhere
from tests.support.web import csrf_token, new_agents

EXAM = "/exams/py2030/core/rules"
_emails = itertools.count()
_ATTEMPT = re.compile(r"(/|%2F)attempts(/|%2F)\d+")  # each agent's own attempt


@dataclass
class Starter:
    client: FlaskClient
    user_id: int
    token: str  # the CSRF token on the exam's page, where the Start button is


def _starter(app: Flask) -> Starter:
    email = f"start-lane-{next(_emails)}@example.com"
    (client,) = new_agents(app, email)
    with app.extensions["lms.db"].reading() as session:
        user_id = session.scalars(select(User.id).where(User.email == email)).one()
    return Starter(client, user_id, csrf_token(client, EXAM))


def _recorded(app: Flask, user_id: int) -> tuple:
    """The agent's attempts (number, status, timed out) and events, without ids or times."""
    with app.extensions["lms.db"].reading() as session:
        attempts = session.execute(select(Attempt.number, Attempt.status, Attempt.timed_out)
                                   .where(Attempt.user_id == user_id).order_by(Attempt.number)).all()
        events = [event.name for event in session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
                  if event.payload.get("subject_user_id", event.payload.get("user_id")) == user_id]
        return [tuple(row) for row in attempts], events


def _send(app: Flask, starter: Starter, build: Callable[[Starter], dict[str, Any]], lane: bool):
    sent = {"path": f"{EXAM}/start", "data": {"csrf_token": starter.token}, **build(starter)}
    response, handled = post(app, starter.client, lane, **sent)
    return answer_of(response, _ATTEMPT), handled, _recorded(app, starter.user_id)


def _started_before(starter: Starter) -> dict[str, Any]:
    """A second click, or the exam's page opened again while the attempt is open."""
    assert starter.client.post(f"{EXAM}/start", data={"csrf_token": starter.token}).status_code == 302
    return {}


def _open_attempt_out_of_time(starter: Starter) -> dict[str, Any]:
    _started_before(starter)
    app = starter.client.application
    with app.extensions["lms.db"].unit_of_work() as work, work.write() as session:
        session.execute(update(Attempt).where(Attempt.user_id == starter.user_id, Attempt.status == "in_progress")
                        .values(deadline=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    return {}


def _failed(starter: Starter, times: int) -> None:
    for _ in range(times):
        attempt = starter.client.post(f"{EXAM}/start", data={"csrf_token": starter.token}).headers["Location"]
        submitted = starter.client.post(f"{attempt}/submit", data={"confirm": "yes", "csrf_token": starter.token})
        assert submitted.status_code == 302


def _no_attempt_left(starter: Starter) -> dict[str, Any]:
    _failed(starter, 3)
    return {}


def _last_attempt_out_of_time(starter: Starter) -> dict[str, Any]:
    _failed(starter, 2)
    return _open_attempt_out_of_time(starter)


def _signed_out_meanwhile(starter: Starter) -> dict[str, Any]:
    sign_out_everywhere(starter.client.application, starter.user_id)
    return {}


def _password_changed_meanwhile(starter: Starter) -> dict[str, Any]:
    change_password_elsewhere(starter.client.application, starter.user_id)
    return {}


CASES: dict[str, tuple[Callable[[Starter], dict[str, Any]], bool]] = {
    # name: (the request, whether the lane answers it)
    "a first start": (lambda starter: {}, True),
    "a second click: the open attempt again": (_started_before, True),
    "the token sent twice (the first counts)": (
        lambda starter: {"data": {"csrf_token": [starter.token, "forged"]}}, True),
    "an open attempt out of time, attempts left (scored, then a new one)": (_open_attempt_out_of_time, False),
    "the last attempt out of time (its result, with a message)": (_last_attempt_out_of_time, False),
    "no attempt left": (_no_attempt_left, False),
    "an exam for returning agents only": (lambda starter: {"path": "/exams/py2030/returning/refresh/start"}, False),
    "no such exam": (lambda starter: {"path": "/exams/py2030/core/nowhere/start"}, False),
    "no CSRF token": (lambda starter: {"data": {}}, False),
    "signed out everywhere meanwhile": (_signed_out_meanwhile, False),
    "the password changed meanwhile": (_password_changed_meanwhile, False),
}


def _starts_as_flask_would(app: Flask, case: str, caplog: pytest.LogCaptureFixture) -> None:
    build, by_lane = CASES[case]
    through_flask, through_app = _starter(app), _starter(app)
    assert_alike(_send(app, through_flask, build, lane=False),
                 _send(app, through_app, build, lane=True), by_lane, caplog)


@pytest.mark.parametrize("case", CASES)
def test_the_lane_starts_as_flask_would(player_app, case, caplog):
    _starts_as_flask_would(player_app, case, caplog)



@pytest.mark.parametrize("case", ["a first start", "an open attempt out of time, attempts left (scored, then a new one)",
                                  "signed out everywhere meanwhile"])
def test_the_lane_starts_as_flask_would_on_each_database(player_app_on_each_database, case, caplog):
    _starts_as_flask_would(player_app_on_each_database, case, caplog)


def test_a_start_by_the_lane_opens_the_attempt_page(player_app):
    starter = _starter(player_app)
    (status, headers, _body), handled, (attempts, events) = _send(player_app, starter, lambda s: {}, lane=True)
    assert (status, handled, attempts) == (302, False, [(1, "in_progress", False)])
    assert [name for name in events if name.startswith("attempt.")] == ["attempt.started"]
    location = starter.client.post(f"{EXAM}/start", data={"csrf_token": starter.token}).headers["Location"]
    assert ("Location", "/attempts/N") in headers and re.fullmatch(r"/attempts/\d+", location)
    page = starter.client.get(location)
    assert page.status_code == 200 and "Submit for scoring" in page.get_data(as_text=True)
