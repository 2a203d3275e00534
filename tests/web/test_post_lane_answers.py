"""The post lane saves and scores only the answers Flask would certainly save and score the same way,
and answers the agent as Flask would: the autosave's JSON, the redirect to the result.

Each case is sent twice, by two agents with the same kind of attempt open: once through the whole app
(the lane in front of Flask) and once to Flask alone. Status, headers, body and what the database then
holds for the attempt (its score, its per-question rows, its events) must be the same, and the lane
must have answered exactly the cases marked for it (Flask's `request_started` fires only for the others).
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
from sqlalchemy import func, select, update

from lms.models import Attempt, AttemptItem, OutboxEvent, User
from lms.questions import question_type
from lms.services import exams, scoring
from lms.services.layout import layout_for
from tests.support.lane import answer_of, assert_alike, change_password_elsewhere, post, sign_out_everywhere
from tests.support.web import csrf_token, new_agents, post_form

EXAM_KEY = "py2030/core/rules"
EXAM = f"/exams/{EXAM_KEY}"
_emails = itertools.count()


@dataclass
class Taker:
    client: FlaskClient
    user_id: int
    attempt_id: int
    token: str  # the CSRF token on the agent's attempt page
    note: str  # the layout note on it
    right: dict[str, list[str]]  # the attempt page's form answered right, as the agent's browser sends it
    wrong: dict[str, list[str]]
    first: set[str]  # the fields of the question the attempt shows first


def _taker(app: Flask) -> Taker:
    email = f"submit-lane-{next(_emails)}@example.com"
    (client,) = new_agents(app, email)
    page = post_form(client, f"{EXAM}/start", {}, form_url=EXAM).headers["Location"]
    attempt_id = int(page.rsplit("/", 1)[1])
    with app.extensions["lms.db"].reading() as session:
        user_id = session.scalars(select(User.id).where(User.email == email)).one()
        seed = session.scalars(select(Attempt.seed).where(Attempt.id == attempt_id)).one()
    exam = app.extensions["lms.catalog"].catalog.exams[EXAM_KEY]
    layout = layout_for(exam, seed)
    shown_first = exam.questions_by_id[layout.questions[0].question_id]
    first = question_type(shown_first.type).form_values(shown_first.data, layout.questions[0],
                                                        scoring.field_name(shown_first), True)
    note = re.search(r'name="layout_note" value="([0-9a-f.]+)"', client.get(page).get_data(as_text=True))
    assert note is not None, "no layout note on the attempt page"
    return Taker(client, user_id, attempt_id, csrf_token(client, page), note.group(1),
                 scoring.form_for(exam, layout, right=True), scoring.form_for(exam, layout, right=False), set(first))


def _recorded(app: Flask, attempt_id: int) -> tuple:
    """What the database holds for the attempt, without what differs between two agents (ids, times)."""
    with app.extensions["lms.db"].reading() as session:
        attempt = session.get(Attempt, attempt_id)
        items = session.scalar(select(func.count()).select_from(AttemptItem).where(AttemptItem.attempt_id == attempt_id))
        events = [event.name for event in session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
                  if event.payload.get("attempt") == attempt_id]
        return (attempt.status, attempt.points, attempt.percent, attempt.passed, attempt.timed_out,
                sorted(attempt.answers), attempt.submitted_at is not None, items, events, attempt.saved_at is not None)


def _send(app: Flask, taker: Taker, build: Callable[[Taker], dict[str, Any]], lane: bool, action: str = "submit"):
    """The response (with the attempt's id written as N), whether Flask handled it, and what was recorded."""
    path = f"/attempts/{taker.attempt_id}/{action}"
    response, handled = post(app, taker.client, lane, **{"path": path, **build(taker)})
    own = re.compile(rf"(/|%2F)attempts(/|%2F)0?{taker.attempt_id}\b")
    return answer_of(response, own), handled, _recorded(app, taker.attempt_id)


def _answers(taker: Taker, right: bool = True, **more: str) -> dict[str, Any]:
    """The attempt page's form as the browser sends it: the answers, the CSRF token and the layout note."""
    return {"data": {**(taker.right if right else taker.wrong), "csrf_token": taker.token,
                     "layout_note": taker.note, **more}}


def _one_left_out(taker: Taker) -> dict[str, Any]:
    return {"data": {**{name: values for name, values in taker.right.items() if name not in taker.first},
                     "csrf_token": taker.token, "layout_note": taker.note}}


def _another_attempts_note(taker: Taker) -> dict[str, Any]:
    return _answers(taker, layout_note=_taker(taker.client.application).note)


def _note_changed(taker: Taker) -> dict[str, Any]:
    masked, _, version = taker.note.partition(".")
    return _answers(taker, layout_note=f"{int(masked, 16) ^ 1:016x}.{version}")


def _without_note(taker: Taker) -> dict[str, Any]:
    answers = _answers(taker)
    del answers["data"]["layout_note"]
    return answers


def _scored_before(taker: Taker) -> dict[str, Any]:
    """The same submission again, as a second tab or a double click sends it."""
    assert taker.client.post(f"/attempts/{taker.attempt_id}/submit", **_answers(taker)).status_code == 302
    return _answers(taker)


def _past_deadline(taker: Taker) -> dict[str, Any]:
    app = taker.client.application
    with app.extensions["lms.db"].unit_of_work() as work, work.write() as session:
        session.execute(update(Attempt).where(Attempt.id == taker.attempt_id)
                        .values(deadline=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    return _answers(taker, confirm="yes")


def _saved_first(taker: Taker) -> dict[str, Any]:
    """The confirmation page's form, after the agent's answers were saved: it carries none itself."""
    saved = taker.client.post(f"/attempts/{taker.attempt_id}/save", **_answers(taker))
    assert saved.status_code == 302
    return {"data": {"confirm": "yes", "saved": "yes", "csrf_token": taker.token}}


def _signed_out_meanwhile(taker: Taker) -> dict[str, Any]:
    sign_out_everywhere(taker.client.application, taker.user_id)
    return _answers(taker)


def _password_changed_meanwhile(taker: Taker) -> dict[str, Any]:
    change_password_elsewhere(taker.client.application, taker.user_id)
    return _answers(taker)


CASES: dict[str, tuple[Callable[[Taker], dict[str, Any]], bool]] = {
    # name: (the request, whether the lane answers it)
    "every question answered, from the attempt page": (_answers, True),
    "confirmed, as the confirmation page sends it": (lambda taker: _answers(taker, confirm="yes"), True),
    "wrong answers (a fail)": (lambda taker: _answers(taker, right=False), True),
    "no layout note (a page rendered before there was one)": (_without_note, True),
    "another attempt's layout note": (_another_attempts_note, True),
    "a layout note changed": (_note_changed, True),
    "the confirmation page's form: the saved answers scored": (_saved_first, True),
    "already scored (a second tab)": (_scored_before, True),
    "past the deadline (scored as timed out, with the answers saved before)": (_past_deadline, True),
    "a question left unanswered (the confirmation page follows)": (_one_left_out, False),
    "a question left unanswered but confirmed": (
        lambda taker: {"data": {**_one_left_out(taker)["data"], "confirm": "yes"}}, True),
    "signed out everywhere meanwhile": (_signed_out_meanwhile, False),
    "the password changed meanwhile": (_password_changed_meanwhile, False),
    "no such attempt": (lambda taker: {**_answers(taker), "path": f"/attempts/{taker.attempt_id + 1000}/submit"},
                        False),
    "the id written with a leading zero": (
        lambda taker: {**_answers(taker), "path": f"/attempts/0{taker.attempt_id}/submit"}, False),
    "no CSRF token": (lambda taker: {"data": taker.right}, False),
    "a token not of this session": (
        lambda taker: {"data": {**taker.right, "csrf_token": taker.token[:-4] + "AAAA"}}, False),
    "an answer with a NUL": (lambda taker: _answers(taker, extra="\x00"), False),
    "a NUL in the query string": (
        lambda taker: {**_answers(taker), "path": f"/attempts/{taker.attempt_id}/submit?note=%00"}, False),
    "HTTPS from another site": (
        lambda taker: {**_answers(taker), "base_url": "https://localhost",
                       "headers": {"Referer": "https://elsewhere.example/"}}, False),
    "HTTPS from the site's own page": (
        lambda taker: {**_answers(taker), "base_url": "https://localhost",
                       "headers": {"Referer": f"https://localhost/attempts/{taker.attempt_id}"}}, True),
}


def _scores_as_flask_would(app: Flask, case: str, caplog: pytest.LogCaptureFixture, action: str = "submit") -> None:
    build, by_lane = (CASES if action == "submit" else SAVES)[case]
    through_flask, through_app = _taker(app), _taker(app)
    assert_alike(_send(app, through_flask, build, lane=False, action=action),
                 _send(app, through_app, build, lane=True, action=action), by_lane, caplog)


@pytest.mark.parametrize("case", CASES)
def test_the_lane_scores_as_flask_would(player_app, case, caplog):
    _scores_as_flask_would(player_app, case, caplog)



@pytest.mark.parametrize("case", ["every question answered, from the attempt page", "already scored (a second tab)",
                                  "a question left unanswered (the confirmation page follows)",
                                  "signed out everywhere meanwhile", "another attempt's layout note",
                                  "wrong answers (a fail)"])
def test_the_lane_scores_as_flask_would_on_each_database(player_app_on_each_database, case, caplog):
    _scores_as_flask_would(player_app_on_each_database, case, caplog)


def test_a_submission_by_the_lane_is_scored_and_shows_its_result(player_app):
    taker = _taker(player_app)
    (status, headers, _body), handled, record = _send(player_app, taker, _answers, lane=True)
    assert (status, handled) == (302, False)
    assert ("Location", "/attempts/N/result") in headers and ("Cache-Control", "no-store") in headers
    assert all(name != "Set-Cookie" for name, _ in headers)
    status_, _points, percent, passed, timed_out, _answered, submitted, items, events, _saved = record
    assert (status_, percent, passed, timed_out, submitted, events) == ("submitted", 100.0, True, False, True,
                                                                         ["attempt.started", "attempt.scored"])
    assert items == len(player_app.extensions["lms.catalog"].catalog.exams[EXAM_KEY].questions)
    result = taker.client.get(f"/attempts/{taker.attempt_id}/result")
    assert result.status_code == 200 and "<strong>100.0%</strong>" in result.get_data(as_text=True)


@pytest.mark.parametrize("fails", ["before", "after"])
def test_an_error_in_the_lane_leaves_the_submission_to_flask_and_it_counts_once(player_app, monkeypatch, fails):
    taker = _taker(player_app)
    calls = []
    real = exams.submit_attempt

    def fails_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1 and fails == "before":
            raise RuntimeError("the database went away")
        scored = real(*args, **kwargs)
        if len(calls) == 1:  # scored and committed, then the lane fails before it answers
            raise RuntimeError("the connection dropped")
        return scored

    monkeypatch.setattr(exams, "submit_attempt", fails_once)
    (status, headers, _body), handled, record = _send(player_app, taker, _answers, lane=True)
    assert (status, handled, len(calls)) == (302, True, 2)  # Flask read the same body again
    assert ("Location", "/attempts/N/result") in headers
    *_, items, events, _saved = record
    assert events == ["attempt.started", "attempt.scored"]
    assert items == len(player_app.extensions["lms.catalog"].catalog.exams[EXAM_KEY].questions)


# --- the page's autosave ----------------------------------------------------------------------


def _autosave(taker: Taker, **more: Any) -> dict[str, Any]:
    """As the page's script sends it: the form (token and layout note included), JSON asked for, the token
    in a header too."""
    return {"data": {**taker.right, "csrf_token": taker.token, "layout_note": taker.note},
            "headers": {"Accept": "application/json", "X-CSRFToken": taker.token, **more}}


def _autosave_noted(note: Callable[[Taker], str]) -> Callable[[Taker], dict[str, Any]]:
    def build(taker: Taker) -> dict[str, Any]:
        sent = _autosave(taker)
        sent["data"]["layout_note"] = note(taker)
        return sent
    return build


def _autosave_late(taker: Taker) -> dict[str, Any]:
    _past_deadline(taker)
    return _autosave(taker)


def _autosave_after_submitting(taker: Taker) -> dict[str, Any]:
    _scored_before(taker)
    return _autosave(taker)


def _saved_before(taker: Taker) -> None:
    """An autosave half a minute ago: the worker remembers the attempt's layout."""
    assert taker.client.post(f"/attempts/{taker.attempt_id}/save", **_autosave(taker)).status_code == 200


def _autosave_after(*meanwhile: Callable[[Taker], Any]) -> Callable[[Taker], dict[str, Any]]:
    def build(taker: Taker) -> dict[str, Any]:
        for step in meanwhile:
            step(taker)
        return _autosave(taker)
    return build


def _someone_elses(taker: Taker) -> dict[str, Any]:
    other = _taker(taker.client.application)
    return {**_autosave(taker), "path": f"/attempts/{other.attempt_id}/save"}


SAVES: dict[str, tuple[Callable[[Taker], dict[str, Any]], bool]] = {
    # name: (the request, whether the lane answers it)
    "the page's autosave": (_autosave, True),
    "with another attempt's layout note": (_autosave_noted(lambda taker: _taker(taker.client.application).note), True),
    "with a layout note changed": (_autosave_noted(lambda taker: _note_changed(taker)["data"]["layout_note"]), True),
    "the token in the header alone": (
        lambda taker: {"data": taker.right, "headers": {"Accept": "application/json", "X-CSRFToken": taker.token}},
        True),
    "past the deadline (scored, and the page told where the result is)": (_autosave_late, True),
    "the Save answers button (a page, not JSON)": (lambda taker: {"data": {**taker.right, "csrf_token": taker.token}},
                                                   False),
    "JSON among other types asked for": (lambda taker: _autosave(taker, Accept="application/json, text/html;q=0.9"),
                                         False),
    "after an autosave (the attempt's layout remembered)": (_autosave_after(_saved_before), True),
    "signed out everywhere meanwhile": (_autosave_after(_signed_out_meanwhile), False),
    "after an autosave, signed out everywhere meanwhile": (_autosave_after(_saved_before, _signed_out_meanwhile),
                                                           False),
    "another agent's attempt": (_someone_elses, False),
    "already submitted": (_autosave_after_submitting, False),
    "no such attempt": (lambda taker: {**_autosave(taker), "path": f"/attempts/{taker.attempt_id + 1000}/save"},
                        False),
    "no CSRF token": (lambda taker: {"data": taker.right, "headers": {"Accept": "application/json"}}, False),
}


@pytest.mark.parametrize("case", SAVES)
def test_the_lane_saves_as_flask_would(player_app, case, caplog):
    _scores_as_flask_would(player_app, case, caplog, action="save")


@pytest.mark.parametrize("case", ["the page's autosave", "past the deadline (scored, and the page told where the "
                                                         "result is)",
                                  "after an autosave (the attempt's layout remembered)",
                                  "after an autosave, signed out everywhere meanwhile",
                                  "with another attempt's layout note", "with a layout note changed"])
def test_the_lane_saves_as_flask_would_on_each_database(player_app_on_each_database, case, caplog):
    _scores_as_flask_would(player_app_on_each_database, case, caplog, action="save")


def test_an_autosave_by_the_lane_keeps_the_answers_and_says_when(player_app):
    taker = _taker(player_app)
    (status, headers, body), handled, record = _send(player_app, taker, _autosave, lane=True, action="save")
    assert (status, handled, body) == (200, False, '{"at":"(when)","saved":true}\n')
    assert ("Content-Type", "application/json") in headers and ("Cache-Control", "no-store") in headers
    assert (record[0], record[-1]) == ("in_progress", True)  # still open, with its answers saved
    total = len(player_app.extensions["lms.catalog"].catalog.exams[EXAM_KEY].questions)
    page = taker.client.get(f"/attempts/{taker.attempt_id}").get_data(as_text=True)
    assert f"{total} of {total} answered, saved at" in page
