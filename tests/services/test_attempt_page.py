"""The attempt page's lean read: the open attempt, its exam version and layout, "last attempt" and the
agent's time zone, agreeing with what the ORM path (view_attempt and the standing) says; and the page
lane's one statement, which reads the same with the role of who is signed in, or nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import update

from lms.models import AgentProfile, Attempt, User
from lms.services import accounts, exam_resets, exams, sessions
from lms.services.attempt_page import attempt_page, attempt_page_if_signed_in
from lms.services.errors import NotFound
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
EXAM = CATALOG.exams["py2030/core/rules"]  # three attempts
# Its own content hash, as edited content gets: versions are kept (and remembered per process) by hash.
TIMED = dataclasses.replace(EXAM, time_limit_minutes=20, content_hash="7" * 64)
TIMED_CATALOG = dataclasses.replace(CATALOG, exams={**CATALOG.exams, EXAM.key: TIMED})


@pytest.fixture
def agent(uow) -> int:
    return accounts.create_account(uow, "taker@example.com", TEST_PASSWORD).id


def agrees_with_the_orm_path(uow, attempt_id, user_id, catalog=CATALOG, now=NOW):
    page = attempt_page(uow, catalog, attempt_id, user_id, now)
    view = exams.view_attempt(uow, catalog, attempt_id, user_id, now)
    standing = exams.standing(uow.session, catalog.exams[view.attempt.exam_key], user_id)
    assert (page.id, page.number, page.deadline, page.saved_at, page.seed, page.answers) == (
        view.attempt.id, view.attempt.number, view.attempt.deadline, view.attempt.saved_at, view.attempt.seed,
        view.attempt.answers)
    assert page.exam == view.exam and page.layout == view.layout
    assert page.last_attempt == (standing.left == 0)
    assert page.unanswered == exams.unanswered(view.exam, view.layout, view.attempt.answers)
    claim = sessions.claim(f"{user_id}:1", sessions.start(uow, user_id, "laptop"))
    assert attempt_page_if_signed_in(uow.connection, catalog, claim, attempt_id, now) == ("learner", page)
    return page


def submit(uow, attempt_id, user_id, right=False):
    version, layout = exams.attempt_exam(uow.session, uow.session.get(Attempt, attempt_id))
    exams.submit_attempt(uow, CATALOG, attempt_id, user_id, getter(answer_values(version, layout, right)), NOW)


def test_an_open_attempt_with_saved_answers(uow, agent):
    attempt = exams.start_attempt(uow, TIMED_CATALOG, TIMED, agent, NOW)
    page = agrees_with_the_orm_path(uow, attempt.id, agent, TIMED_CATALOG)
    assert page.deadline == NOW + dt.timedelta(minutes=20) and page.answers == {} and page.saved_at is None
    assert page.unanswered == list(range(1, len(page.layout.question_ids) + 1))
    version, layout = exams.attempt_exam(uow.session, attempt)
    exams.save_answers(uow, TIMED_CATALOG, attempt.id, agent, getter(answer_values(version, layout, True)), NOW)
    page = agrees_with_the_orm_path(uow, attempt.id, agent, TIMED_CATALOG)
    assert page.saved_at == NOW and page.answers and page.unanswered == []


def test_the_last_attempt_is_said_and_reset_attempts_do_not_count(uow, agent):
    for _ in range(2):
        first = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
        assert not agrees_with_the_orm_path(uow, first.id, agent).last_attempt
        submit(uow, first.id, agent)
    third = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    assert agrees_with_the_orm_path(uow, third.id, agent).last_attempt
    exam_resets.reset_exam(uow, EXAM, agent, None, "Agent asked to start over", NOW)
    # The open attempt was reset with the others: it counts for nothing, so nothing says "last".
    assert not attempt_page(uow, CATALOG, third.id, agent, NOW).last_attempt


def test_a_submitted_attempt_has_no_page(uow, agent):
    attempt = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    submit(uow, attempt.id, agent, right=True)
    assert attempt_page(uow, CATALOG, attempt.id, agent, NOW) is None


def test_an_attempt_past_its_deadline_is_scored_first(uow, agent):
    attempt = exams.start_attempt(uow, TIMED_CATALOG, TIMED, agent, NOW)
    assert attempt_page(uow, TIMED_CATALOG, attempt.id, agent, NOW + dt.timedelta(minutes=21)) is None
    uow.end_reads()
    scored = uow.session.get(Attempt, attempt.id)
    assert scored.submitted and scored.timed_out and scored.percent == 0.0


def test_another_agents_attempt_does_not_exist(uow, agent):
    attempt = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    other = accounts.create_account(uow, "other@example.com", TEST_PASSWORD).id
    with pytest.raises(NotFound):
        attempt_page(uow, CATALOG, attempt.id, other, NOW)
    with pytest.raises(NotFound):
        attempt_page(uow, CATALOG, attempt.id + 1000, agent, NOW)


def test_the_agents_time_zone_comes_with_the_page(uow, agent):
    attempt = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    assert attempt_page(uow, CATALOG, attempt.id, agent, NOW).time_zone is None
    with uow.write() as session:
        session.add(AgentProfile(user_id=agent, time_zone="America/Chicago"))
    assert attempt_page(uow, CATALOG, attempt.id, agent, NOW).time_zone == "America/Chicago"


def _claim(uow, user_id):
    return sessions.claim(f"{user_id}:1", sessions.start(uow, user_id, "laptop"))


def test_the_one_statement_read_is_none_once_the_claim_no_longer_holds(uow, agent):
    attempt = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    claim = _claim(uow, agent)
    assert attempt_page_if_signed_in(uow.connection, CATALOG, claim, attempt.id, NOW) is not None
    with uow.write() as session:  # the password changed elsewhere
        session.execute(update(User).where(User.id == agent).values(auth_version=User.auth_version + 1))
    assert attempt_page_if_signed_in(uow.connection, CATALOG, claim, attempt.id, NOW) is None
    claim = sessions.claim(f"{agent}:2", claim.session_id)
    assert attempt_page_if_signed_in(uow.connection, CATALOG, claim, attempt.id, NOW) is not None
    sessions.end_everywhere(uow, agent)
    assert attempt_page_if_signed_in(uow.connection, CATALOG, claim, attempt.id, NOW) is None


def test_the_one_statement_read_leaves_to_the_usual_way_all_but_an_open_attempt_of_the_agents(uow, agent):
    other = accounts.create_account(uow, "other@example.com", TEST_PASSWORD).id
    timed = exams.start_attempt(uow, TIMED_CATALOG, TIMED, agent, NOW)
    claim = _claim(uow, agent)
    assert attempt_page_if_signed_in(uow.connection, TIMED_CATALOG, _claim(uow, other), timed.id, NOW) is None
    assert attempt_page_if_signed_in(uow.connection, TIMED_CATALOG, claim, timed.id + 1, NOW) is None
    after_the_deadline = NOW + dt.timedelta(minutes=20) + exams.DEADLINE_GRACE + dt.timedelta(seconds=1)
    assert attempt_page_if_signed_in(uow.connection, TIMED_CATALOG, claim, timed.id, after_the_deadline) is None
    assert attempt_page(uow, TIMED_CATALOG, timed.id, agent, after_the_deadline) is None  # scored by the usual way
    attempt = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    submit(uow, attempt.id, agent)
    assert attempt_page_if_signed_in(uow.connection, CATALOG, claim, attempt.id, NOW) is None
