"""The standing the exam and result pages show, read as plain rows, says what the ORM standing says,
from no attempt through one open, a lock-out, a grant, a reset and a pass; and the page lane's one
statement reads the same with the role of who is signed in, or nothing once they are not."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from lms.models import User
from lms.services import accounts, exam_resets, exams, sessions
from lms.services.standings import shown_standing_if_signed_in
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()
EXAM = CATALOG.exams["py2030/core/rules"]  # three attempts
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
SHOWN = ("id", "number", "status", "percent", "passed", "points", "max_points", "started_at", "submitted_at",
         "deadline", "timed_out")


@pytest.fixture
def agent(uow) -> int:
    return accounts.create_account(uow, "standing@example.com", TEST_PASSWORD).id


def same_as_the_orm_standing(uow, user_id):
    shown = exams.shown_standing(uow.connection, EXAM, user_id)
    full = exams.standing(uow.session, EXAM, user_id)
    assert [tuple(getattr(a, name) for name in SHOWN) for a in shown.attempts] == [
        tuple(getattr(a, name) for name in SHOWN) for a in full.attempts]
    for name in ("used", "left", "allowed", "percent", "passed", "locked", "can_start", "final", "review_level"):
        assert getattr(shown, name) == getattr(full, name), name
    assert (shown.in_progress is None) == (full.in_progress is None)
    claim = sessions.claim(f"{user_id}:1", sessions.start(uow, user_id, "laptop"))
    assert shown_standing_if_signed_in(uow.connection, EXAM, claim) == ("learner", shown)
    return shown


def take(uow, user_id, right):
    attempt = exams.start_attempt(uow, CATALOG, EXAM, user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, right)), NOW)


def test_from_no_attempt_through_locked_granted_and_reset(uow, agent):
    assert same_as_the_orm_standing(uow, agent).used == 0
    exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    assert same_as_the_orm_standing(uow, agent).in_progress is not None
    uow.end_reads()
    for _ in range(2):  # the first take submits the open attempt
        take(uow, agent, right=False)
    shown = same_as_the_orm_standing(uow, agent)
    assert shown.used == 2 and not shown.passed
    take(uow, agent, right=False)
    assert same_as_the_orm_standing(uow, agent).locked
    exams.grant_attempt(uow, EXAM, agent, None, "second chance", even_after_review=True)
    shown = same_as_the_orm_standing(uow, agent)
    assert shown.can_start and shown.allowed == 4
    exam_resets.reset_exam(uow, EXAM, agent, None, "content was wrong", NOW)
    assert same_as_the_orm_standing(uow, agent).used == 0
    take(uow, agent, right=True)
    shown = same_as_the_orm_standing(uow, agent)
    assert shown.passed and shown.percent == 100.0 and shown.used == 1


def test_the_one_statement_read_is_none_once_the_claim_no_longer_holds(uow, agent):
    claim = sessions.claim(f"{agent}:1", sessions.start(uow, agent, "laptop"))
    exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    assert shown_standing_if_signed_in(uow.connection, EXAM, claim)[1].used == 1
    other = accounts.create_account(uow, "other@example.com", TEST_PASSWORD).id
    forged = sessions.claim(f"{agent}:1", sessions.start(uow, other, "phone"))  # another account's session
    assert shown_standing_if_signed_in(uow.connection, EXAM, forged) is None
    with uow.write() as session:  # the password changed elsewhere
        session.execute(update(User).where(User.id == agent).values(auth_version=User.auth_version + 1))
    assert shown_standing_if_signed_in(uow.connection, EXAM, claim) is None
    claim = sessions.claim(f"{agent}:2", claim.session_id)
    assert shown_standing_if_signed_in(uow.connection, EXAM, claim) is not None
    sessions.end_everywhere(uow, agent)
    assert shown_standing_if_signed_in(uow.connection, EXAM, claim) is None
