"""The main thread keeps a reads connection, a write connection and (PostgreSQL) a quick writes'
connection between requests (lms.kept_connections): each request still sees the newest commits,
nothing else shares a connection while it is lent, and a write that failed leaves no connection
behind in a state of its own."""

from __future__ import annotations

import threading

import pytest
from psycopg.errors import NotNullViolation
from sqlalchemy import func, insert, select

from lms.db import Database
from lms.driver_query import DriverWrite
from lms.models import AuditEntry, User
from lms.services import accounts
from lms.services.errors import RuleError
from tests.support.apps import TEST_PASSWORD, truncate_all

USERS = select(func.count()).select_from(User)


def _driver(uow):
    return uow.connection.connection.dbapi_connection


def test_the_next_request_reuses_the_connection_and_sees_what_committed_since(database):
    with database.unit_of_work() as first:
        before = first.connection.execute(USERS).scalar_one()
        kept = _driver(first)
    with database.unit_of_work() as other:
        accounts.create_account(other, "between@example.com", TEST_PASSWORD)
    with database.unit_of_work() as second:
        assert _driver(second) is kept
        assert second.connection.execute(USERS).scalar_one() == before + 1


def test_a_second_unit_of_work_or_another_thread_gets_a_connection_of_its_own(database):
    with database.unit_of_work() as outer, database.unit_of_work() as inner:
        assert _driver(outer) is not _driver(inner)
        outer_count = outer.connection.execute(USERS).scalar_one()
        accounts.create_account(inner, "inner@example.com", TEST_PASSWORD)
        assert inner.connection.execute(USERS).scalar_one() == outer_count + 1
        seen = {}

        def elsewhere():
            with database.unit_of_work() as work:
                seen["driver"] = _driver(work)

        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        assert seen["driver"] is not _driver(outer)


def test_after_dispose_the_kept_connection_is_a_new_one(database):
    with database.unit_of_work() as first:
        kept = _driver(first)
    database.dispose()
    with database.unit_of_work() as second:
        assert _driver(second) is not kept
        assert second.connection.execute(USERS).scalar_one() >= 0


AUDITS = select(func.count()).select_from(AuditEntry)


def _write(database, action: str, fail: bool = False):
    """One audit row in a write of its own; the connection it ran on (after a failure the pool may hand
    out the same driver connection again, reset as on any return to the pool)."""
    with database.unit_of_work() as work, work.write_rows() as connection:
        connection.execute(insert(AuditEntry).values(action=action, details={}))
        if fail:
            raise RuleError("refused")
        return connection


def _audits(database) -> int:
    with database.unit_of_work() as work:
        return work.connection.execute(AUDITS).scalar_one()


def test_the_next_write_reuses_the_write_connection_and_each_commits(database):
    before = _audits(database)
    first = _write(database, "first")
    assert _write(database, "second") is first
    assert _audits(database) == before + 2


def test_a_write_that_fails_is_rolled_back_and_its_connection_is_not_kept(database):
    before = _audits(database)
    kept = _write(database, "kept")
    with pytest.raises(RuleError):
        _write(database, "refused", fail=True)
    assert _audits(database) == before + 1
    after = _write(database, "after")
    assert after is not kept
    assert _write(database, "again") is after
    assert _audits(database) == before + 3


def test_another_thread_writes_on_a_connection_of_its_own(database):
    kept = _write(database, "main")
    seen = {}

    def elsewhere():
        seen["driver"] = _write(database, "thread")

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert seen["driver"] is not kept
    assert _write(database, "main again") is kept


def test_after_dispose_the_kept_write_connection_is_a_new_one(database):
    kept = _write(database, "before")
    database.dispose()
    assert _write(database, "after") is not kept


QUICK_AUDIT = DriverWrite(insert(AuditEntry))


@pytest.fixture
def postgres_database(postgres_url):
    """PostgreSQL only: SQLite has no quick writes' connections (its quick writes run on the reads'
    connection, at the write gate)."""
    truncate_all(postgres_url)
    database = Database(postgres_url)
    yield database
    database.dispose()


def _quick_writes_lent(database, monkeypatch) -> list:
    """The connections `Database.lend_quick_writes` hands out, in order."""
    lent: list = []
    lend = database.lend_quick_writes

    def recorded():
        lent.append(lend())
        return lent[-1]

    monkeypatch.setattr(database, "lend_quick_writes", recorded)
    return lent


def _quick(database, action: str | None) -> int:
    """One audit row as a statement of its own on PostgreSQL's asynchronous-commit connections, as a
    heartbeat's or an autosave's write runs."""
    with database.unit_of_work() as work:
        return work.write_statement(QUICK_AUDIT, {"action": action, "details": {}})


def test_the_next_quick_write_reuses_its_connection_and_each_commits_at_once(postgres_database, monkeypatch):
    database = postgres_database
    lent = _quick_writes_lent(database, monkeypatch)
    before = _audits(database)
    assert _quick(database, "first") == 1
    assert _audits(database) == before + 1  # committed by itself, seen by another connection
    assert _quick(database, "second") == 1
    assert len(lent) == 2 and lent[1] is lent[0]
    assert lent[0].engine is database.quick_writes
    assert _audits(database) == before + 2


def test_a_quick_write_that_fails_leaves_its_connection_behind(postgres_database, monkeypatch):
    database = postgres_database
    lent = _quick_writes_lent(database, monkeypatch)
    before = _audits(database)
    _quick(database, "kept")
    with pytest.raises(NotNullViolation):  # straight from the driver, as lms.pg_direct runs it
        _quick(database, None)  # an audit entry must name its action
    assert lent[1] is lent[0] and lent[0].closed
    assert _quick(database, "after") == 1
    assert lent[2] is not lent[0]
    assert _audits(database) == before + 2


def test_another_thread_writes_quickly_on_a_connection_of_its_own(postgres_database, monkeypatch):
    database = postgres_database
    lent = _quick_writes_lent(database, monkeypatch)
    before = _audits(database)
    _quick(database, "main")
    thread = threading.Thread(target=_quick, args=(database, "thread"))
    thread.start()
    thread.join()
    _quick(database, "main again")
    assert lent[1] is not lent[0] and lent[2] is lent[0]
    assert _audits(database) == before + 3
