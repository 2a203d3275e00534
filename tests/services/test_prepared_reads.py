"""On PostgreSQL a page's plain-row reads run in autocommit, so the statements psycopg prepared stay prepared
for the next request on that connection; every PLAN_MAX_AGE_SECONDS they are dropped and planned afresh,
on the write transactions' connections as on the reads'."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from lms import db
from lms.db import Database
from lms.services import accounts, sessions
from tests.support.apps import TEST_PASSWORD


def _prepared(database: Database) -> int:
    with database.unit_of_work() as uow:  # the pool's one connection: what it has prepared so far
        return uow.connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()


def _page_reads(database: Database, user_id: int, times: int) -> None:
    for _ in range(times):
        with database.unit_of_work() as uow:
            assert sessions.identity_for(uow, f"{user_id}:1", "no-such-session") is None  # one read all the same


def test_hot_reads_stay_prepared_until_their_plans_are_due(postgres_url, monkeypatch):
    database = Database(postgres_url, pool_size=1, max_overflow=0)
    try:
        with database.unit_of_work() as uow:
            user_id = accounts.create_account(uow, f"prepared-{uuid.uuid4().hex}@example.com", TEST_PASSWORD).id
        database.dispose()  # a fresh connection: nothing prepared, its plans counted from now
        _page_reads(database, user_id, 6)  # psycopg prepares a statement on its fifth run
        assert _prepared(database) >= 1
        monkeypatch.setattr(db, "PLAN_MAX_AGE_SECONDS", -1.0)
        _page_reads(database, user_id, 1)  # due: these reads begin with DEALLOCATE ALL
        monkeypatch.setattr(db, "PLAN_MAX_AGE_SECONDS", 60.0)
        assert _prepared(database) == 0
    finally:
        database.dispose()


def test_page_reads_open_no_transaction_and_see_the_newest_commits(postgres_url):
    from psycopg.pq import TransactionStatus

    database = Database(postgres_url, pool_size=2, max_overflow=0)
    try:
        with database.unit_of_work() as uow:
            user_id = accounts.create_account(uow, f"idle-{uuid.uuid4().hex}@example.com", TEST_PASSWORD).id
        with database.unit_of_work() as page, database.unit_of_work() as other:
            assert sessions.identity_for(page, f"{user_id}:1", "no-such-session") is None
            driver = page.connection.connection.driver_connection
            assert driver.info.transaction_status == TransactionStatus.IDLE  # no BEGIN was sent
            session_id = sessions.start(other, user_id, "test")  # committed by another request meanwhile
            assert sessions.identity_for(page, f"{user_id}:1", session_id).id == user_id
    finally:
        database.dispose()


def test_the_write_connections_plans_are_remade_when_due(postgres_url, monkeypatch):
    """A plan made while a table was nearly empty must not outlive its minute on a connection that lives
    for days (a start's read of the agent's attempts was planned on the exam's index, scanning them all)."""
    database = Database(postgres_url, pool_size=1, max_overflow=0)
    try:
        with database.unit_of_work() as uow:
            user_id = accounts.create_account(uow, f"writes-{uuid.uuid4().hex}@example.com", TEST_PASSWORD).id

        def prepared_in_a_write() -> int:
            with database.unit_of_work() as uow, uow.write_rows() as connection:
                for _ in range(6):  # psycopg prepares a statement on its fifth run
                    connection.exec_driver_sql("SELECT email FROM users WHERE id = %(id)s", {"id": user_id}).all()
                return connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar_one()

        assert prepared_in_a_write() >= 1
        monkeypatch.setattr(db, "PLAN_MAX_AGE_SECONDS", -1.0)
        with database.unit_of_work() as uow, uow.write_rows() as connection:  # due: it begins with DEALLOCATE ALL
            assert connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar_one() == 0
    finally:
        database.dispose()
