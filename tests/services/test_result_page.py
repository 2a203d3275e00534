"""The result page's lean read: the scored attempt as submission recorded it, the sections to re-read
after a fail, nothing while the attempt is open, nothing of another agent's, and no ORM session."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.services import accounts, exams
from lms.services.errors import NotFound
from lms.services.result_page import result_page
from lms.services.review import reread
from tests.support.apps import TEST_PASSWORD
from tests.support.orm import orm_sessions_begun
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
EXAM = CATALOG.exams["py2030/core/rules"]


@pytest.fixture
def agent(uow) -> int:
    return accounts.create_account(uow, "taker@example.com", TEST_PASSWORD).id


def take(uow, user_id: int, right: bool):
    attempt = exams.start_attempt(uow, CATALOG, EXAM, user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    submitted = exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, right)),
                                     NOW)
    return submitted, version, layout


def test_a_failed_attempt_shows_its_score_and_the_sections_to_reread(uow, agent):
    submitted, version, layout = take(uow, agent, right=False)
    page = result_page(uow.connection, CATALOG, submitted.id, agent)
    assert page.attempt == submitted and not page.attempt.passed
    assert page.reread and page.reread == reread(CATALOG, version, layout, submitted.results)


def test_a_passed_attempt_has_nothing_to_reread(uow, agent):
    submitted, _, _ = take(uow, agent, right=True)
    page = result_page(uow.connection, CATALOG, submitted.id, agent)
    assert page.attempt == submitted and page.attempt.passed and page.attempt.percent == 100
    assert page.reread == []


def test_an_open_attempt_has_no_result_and_another_agents_is_not_found(uow, agent):
    attempt = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    assert result_page(uow.connection, CATALOG, attempt.id, agent) is None
    other = accounts.create_account(uow, "other@example.com", TEST_PASSWORD).id
    with pytest.raises(NotFound):
        result_page(uow.connection, CATALOG, attempt.id, other)
    with pytest.raises(NotFound):
        result_page(uow.connection, CATALOG, attempt.id + 1000, agent)


def test_the_result_reads_begin_no_orm_session(database):
    with database.unit_of_work() as uow:
        user_id = accounts.create_account(uow, "plain@example.com", TEST_PASSWORD).id
        submitted, _, _ = take(uow, user_id, right=False)
    with orm_sessions_begun() as begun, database.unit_of_work() as uow:
        assert result_page(uow.connection, CATALOG, submitted.id, user_id).attempt == submitted
    assert begun == []
