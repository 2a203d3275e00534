"""The module page's lean read: progress and the exam's result by its grading method, as the track view gives;
and the page lane's one statement, which reads the same with the role of who is signed in."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import update

from lms.models import User
from lms.services import accounts, exam_resets, exams, progress, sessions, training
from lms.services.module_page import module_page, module_page_if_signed_in
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
RULES = CATALOG.modules["py2030/core/rules"]


@pytest.fixture
def agent(uow) -> int:
    return accounts.create_account(uow, "reader@example.com", TEST_PASSWORD).id


def take(uow, exam, user_id, right):
    attempt = exams.start_attempt(uow, CATALOG, exam, user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, right)), NOW)


def agrees_with_the_orm_path(uow, user_id, module, catalog=CATALOG):
    lean = module_page(uow.connection, catalog, user_id, module)
    track = progress.track_progress(uow.session, catalog, user_id, catalog.tracks[module.track_key])
    full = next(state for state in track.modules if state.module == module)
    assert (lean.completed, lean.exam_passed, lean.position, lean.track_size) == (
        full.completed, full.exam_passed, full.position, full.track_size)
    claim = sessions.claim(f"{user_id}:1", sessions.start(uow, user_id, "laptop"))
    assert module_page_if_signed_in(uow.connection, catalog, claim, module) == ("learner", lean)
    return lean


def test_a_module_not_yet_opened(uow, agent):
    page = agrees_with_the_orm_path(uow, agent, RULES)
    assert page.progress is None and not page.completed and not page.exam_passed
    assert (page.position, page.track_size) == (2, 2)


def test_reading_time_completion_and_a_passed_exam(uow, agent):
    training.complete_module(uow, CATALOG, agent, RULES.key, NOW - dt.timedelta(minutes=4), NOW)
    take(uow, CATALOG.exams[RULES.exam_key], agent, right=False)
    assert not agrees_with_the_orm_path(uow, agent, RULES).exam_passed
    take(uow, CATALOG.exams[RULES.exam_key], agent, right=True)
    page = agrees_with_the_orm_path(uow, agent, RULES)
    assert page.completed and page.exam_passed and page.progress.seconds_spent == 240


def test_only_the_agents_own_progress_at_this_module_shows(uow, agent):
    first = CATALOG.modules_of(CATALOG.tracks[RULES.track_key])[0]
    other = accounts.create_account(uow, "other@example.com", TEST_PASSWORD).id
    training.complete_module(uow, CATALOG, agent, first.key, NOW - dt.timedelta(minutes=3), NOW)
    training.complete_module(uow, CATALOG, other, RULES.key, NOW - dt.timedelta(minutes=5), NOW)
    assert agrees_with_the_orm_path(uow, agent, RULES).progress is None
    page = agrees_with_the_orm_path(uow, agent, first)
    assert page.completed and page.progress.seconds_spent == 180 and page.position == 1
    assert agrees_with_the_orm_path(uow, other, RULES).progress.seconds_spent == 300


def test_the_exams_grading_method_decides_and_reset_attempts_do_not_count(uow, agent):
    exam = CATALOG.exams[RULES.exam_key]
    last_counts = dataclasses.replace(exam, grading="last")
    catalog = dataclasses.replace(CATALOG, exams={**CATALOG.exams, exam.key: last_counts})
    take(uow, exam, agent, right=True)
    take(uow, exam, agent, right=False)
    assert not agrees_with_the_orm_path(uow, agent, RULES, catalog).exam_passed  # the failed retake counts
    assert agrees_with_the_orm_path(uow, agent, RULES).exam_passed  # highest: the pass counts
    exam_resets.reset_exam(uow, last_counts, agent, admin_id=None, reason="content was wrong", now=NOW)
    assert not agrees_with_the_orm_path(uow, agent, RULES).exam_passed  # the reset pass no longer counts


@pytest.mark.parametrize(("grading", "passed"), [("highest", True), ("last", False), ("first", True),
                                                 ("average", False)])
def test_each_grading_method_is_computed_by_the_one_statement(uow, agent, grading, passed):
    # Its own content hash, as edited content gets: versions are kept (and remembered per process) by hash.
    exam = dataclasses.replace(CATALOG.exams[RULES.exam_key], grading=grading, content_hash=grading[0] * 64)
    catalog = dataclasses.replace(CATALOG, exams={**CATALOG.exams, exam.key: exam})
    take(uow, exam, agent, right=True)   # 100 %
    take(uow, exam, agent, right=False)  # below the pass mark: the average of the two is too
    assert agrees_with_the_orm_path(uow, agent, RULES, catalog).exam_passed is passed


def _signed_out_everywhere(uow, user_id):
    sessions.end_everywhere(uow, user_id)


def _password_changed(uow, user_id):
    with uow.write() as session:
        session.execute(update(User).where(User.id == user_id).values(auth_version=User.auth_version + 1))


@pytest.mark.parametrize("meanwhile", [_signed_out_everywhere, _password_changed])
@pytest.mark.parametrize("module", [RULES, CATALOG.modules["py2030/core/intro"]], ids=["with an exam", "without"])
def test_the_one_statement_read_is_none_once_the_claim_no_longer_holds(uow, agent, meanwhile, module):
    claim = sessions.claim(f"{agent}:1", sessions.start(uow, agent, "laptop"))
    assert module_page_if_signed_in(uow.connection, CATALOG, claim, module) is not None
    meanwhile(uow, agent)
    assert module_page_if_signed_in(uow.connection, CATALOG, claim, module) is None


def test_the_one_statement_read_needs_the_claimed_accounts_own_session(uow, agent):
    other = accounts.create_account(uow, "other@example.com", TEST_PASSWORD).id
    others_session = sessions.start(uow, other, "phone")
    forged = sessions.claim(f"{agent}:1", others_session)
    assert module_page_if_signed_in(uow.connection, CATALOG, forged, RULES) is None
    assert module_page_if_signed_in(uow.connection, CATALOG, sessions.claim(f"{other}:1", others_session),
                                    RULES) is not None


def test_the_one_statement_read_gives_the_accounts_role(uow, agent):
    with uow.write() as session:
        session.execute(update(User).where(User.id == agent).values(role="admin"))
    claim = sessions.claim(f"{agent}:1", sessions.start(uow, agent, "laptop"))
    role, page = module_page_if_signed_in(uow.connection, CATALOG, claim, RULES)
    assert role == "admin" and page == module_page(uow.connection, CATALOG, agent, RULES)
