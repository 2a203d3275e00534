"""Which writes wait for the disk on PostgreSQL: all of them, except the heartbeats and autosaves a page
repeats every few seconds (asynchronous commit). A score never goes without waiting, even when it
happens inside an autosave."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, text

from lms.db import Database
from lms.services import accounts, exams, progress
from tests.support.apps import TEST_PASSWORD, truncate_all
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()
EXAM = CATALOG.exams["py2030/core/rules"]
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def postgres_uow(postgres_url):
    """PostgreSQL only: SQLite's WAL commits (synchronous=NORMAL) never wait for the disk."""
    truncate_all(postgres_url)
    database = Database(postgres_url)
    with database.unit_of_work() as work:
        yield work
    database.dispose()


def commit_setting(session) -> str:
    return session.execute(text("SHOW synchronous_commit")).scalar_one()


def test_writes_wait_for_the_disk_unless_asked_not_to(postgres_uow):
    with postgres_uow.write() as session:
        assert commit_setting(session) == "on"
    with postgres_uow.write(durable=False) as session:
        assert commit_setting(session) == "off"
        with postgres_uow.write(durable=False):
            assert commit_setting(session) == "off"
        with postgres_uow.write():  # joined by a write that matters: the whole transaction waits
            assert commit_setting(session) == "on"
    with postgres_uow.write() as session:  # SET LOCAL ended with its transaction
        assert commit_setting(session) == "on"


@pytest.fixture
def settings_seen(postgres_uow):
    """Every synchronous_commit setting the services send, in order."""
    seen: list[str] = []
    engine = postgres_uow.database.engine

    def record(_conn, _cursor, statement, *_args):
        if "synchronous_commit" in statement:
            seen.append(statement.rsplit(" ", 1)[1])

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def quick_writes_taken(postgres_uow, monkeypatch):
    """How many statements ran on a connection of the asynchronous-commit pool (Database.quick_writes):
    each takes one (the main thread's kept one, after the first)."""
    taken: list[int] = []
    database = postgres_uow.database
    lend = database.lend_quick_writes

    def counted():
        connection = lend()
        assert connection.engine is database.quick_writes
        taken.append(1)
        return connection

    monkeypatch.setattr(database, "lend_quick_writes", counted)
    return taken


def test_heartbeats_and_autosaves_do_not_wait_but_typed_saves_and_scores_do(postgres_uow, settings_seen,
                                                                              quick_writes_taken):
    with postgres_uow.database.quick_writes.connect() as quick:
        assert quick.execute(text("SHOW synchronous_commit")).scalar_one() == "off"
    taken = len(quick_writes_taken)
    agent = accounts.create_account(postgres_uow, "durable@example.com", TEST_PASSWORD).id
    progress.heartbeat(postgres_uow, agent, "py2030/core/intro", NOW, NOW)  # makes the row: two statements
    progress.heartbeat(postgres_uow, agent, "py2030/core/intro", NOW, NOW + dt.timedelta(seconds=60))
    assert len(quick_writes_taken) == taken + 3 and settings_seen == []
    attempt = exams.start_attempt(postgres_uow, CATALOG, EXAM, agent, NOW)
    version, layout = exams.attempt_exam(postgres_uow.session, attempt)
    answers = getter(answer_values(version, layout, True))
    exams.save_answers(postgres_uow, CATALOG, attempt.id, agent, answers, NOW, durable=False)
    assert len(quick_writes_taken) == taken + 4
    exams.save_answers(postgres_uow, CATALOG, attempt.id, agent, answers, NOW)
    exams.submit_attempt(postgres_uow, CATALOG, attempt.id, agent, answers, NOW)
    # The typed save, the start and the score ran on the usual connections, waiting for the disk.
    assert len(quick_writes_taken) == taken + 4 and settings_seen == []
    seconds = postgres_uow.connection.execute(text("SELECT seconds_spent FROM module_progress")).scalar_one()
    assert seconds == 60


def test_an_autosave_that_finds_the_time_up_scores_with_the_wait(postgres_uow, settings_seen):
    timed = CATALOG.exams["py2030/returning/refresh"]
    agent = accounts.create_account(postgres_uow, "late@example.com", TEST_PASSWORD).id
    attempt = exams.start_attempt(postgres_uow, CATALOG, timed, agent, NOW)
    late = NOW + dt.timedelta(minutes=timed.time_limit_minutes, seconds=30)
    with pytest.raises(exams.TimeIsUp):
        exams.save_answers(postgres_uow, CATALOG, attempt.id, agent, getter({}), late, durable=False)
    assert settings_seen == ["OFF", "ON"]
