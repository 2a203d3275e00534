"""On PostgreSQL a page's plain-row reads run in autocommit, so the statements prepared stay prepared for the
next request on that connection; every PLAN_MAX_AGE_SECONDS they are dropped and planned afresh,
on the write transactions' connections as on the reads'."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from lms import db
from lms.db import Database
from lms.services import accounts, sessions
from tests.support.apps import TEST_PASSWORD

NO_SUCH_ATTEMPT = 2**31 - 1  # a driver statement's read that finds nothing, whatever other tests left


def _prepared(database: Database, since: object = None) -> int:
    """How many statements the pool's one connection has prepared (since that moment, if given)."""
    with database.unit_of_work() as uow:
        return uow.connection.execute(text("SELECT count(*) FROM pg_prepared_statements "
                                           "WHERE prepare_time >= coalesce(CAST(:since AS timestamptz), '-infinity')"),
                                      {"since": since}).scalar_one()


def _server_now(database: Database) -> object:
    with database.unit_of_work() as uow:
        return uow.connection.execute(text("SELECT clock_timestamp()")).scalar_one()


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
        _page_reads(database, user_id, 6)  # a driver statement is prepared on its first run
        assert _prepared(database) >= 1
        again = _page_reads_prepare_nothing_new(database, user_id)
        assert again == 0
        due = _server_now(database)
        monkeypatch.setattr(db, "PLAN_MAX_AGE_SECONDS", -1.0)
        _page_reads(database, user_id, 1)  # due: these reads begin with DEALLOCATE ALL, then prepare afresh
        monkeypatch.setattr(db, "PLAN_MAX_AGE_SECONDS", 60.0)
        assert _prepared(database) == _prepared(database, since=due) >= 1  # nothing older is left
    finally:
        database.dispose()


def _page_reads_prepare_nothing_new(database: Database, user_id: int) -> int:
    since = _server_now(database)
    _page_reads(database, user_id, 3)
    return _prepared(database, since=since)


def test_a_statement_whose_prepared_form_was_dropped_elsewhere_is_prepared_again(postgres_url):
    """A page's read (outside any transaction) prepares its statement again and answers."""
    database = Database(postgres_url, pool_size=1, max_overflow=0)
    try:
        with database.unit_of_work() as uow:
            user_id = accounts.create_account(uow, f"dropped-{uuid.uuid4().hex}@example.com", TEST_PASSWORD).id
        database.dispose()  # the write's kept connection goes back: the reads have the pool's one
        _page_reads(database, user_id, 2)
        with database.unit_of_work() as uow:
            uow.connection.connection.driver_connection.pgconn.exec_(b"DEALLOCATE ALL")  # behind our back
        _page_reads(database, user_id, 2)
        assert _prepared(database) >= 1
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


def test_a_write_goes_on_after_rolling_back_to_a_savepoint(postgres_url):
    """psycopg may drop every prepared statement (DEALLOCATE ALL) as it rolls back to a savepoint, when it
    has prepared some of its own: the driver statements of the same write are then prepared again."""
    from lms.services.score_write import read_before_score

    database = Database(postgres_url, pool_size=2, max_overflow=0)
    try:
        with database.unit_of_work() as uow, uow.write_rows() as connection:
            connection.exec_driver_sql("SELECT 1")  # the transaction's first statement, which begins it
            assert read_before_score(connection, NO_SUCH_ATTEMPT, None) is None  # a driver statement, prepared now
            try:
                with uow.session.begin_nested():
                    uow.session.execute(text("SELECT 1"))  # the SAVEPOINT is sent with the block's first statement
                    raise LookupError("rolled back to the savepoint")
            except LookupError:
                pass
            # What psycopg's maintenance sends after such a rollback when it holds prepared statements
            connection.connection.driver_connection.pgconn.exec_(b"DEALLOCATE ALL")
            assert read_before_score(connection, NO_SUCH_ATTEMPT, None) is None  # prepared again, in the same transaction
    finally:
        database.dispose()


def test_statements_of_an_orm_sessions_connection_are_not_prepared_by_the_driver_path(postgres_url):
    """An ORM session's connection rolls back after every request, and psycopg then drops what was prepared:
    preparing there would cost a round trip more each time, so those statements go through the cursor."""
    from lms.services.score_write import read_before_score

    database = Database(postgres_url, pool_size=3, max_overflow=0)
    try:
        for _ in range(3):
            with database.unit_of_work() as uow:
                uow.session  # noqa: B018 - from here on `connection` is the session's
                uow.connection.exec_driver_sql("SELECT 1")  # its transaction's first statement
                assert read_before_score(uow.connection, NO_SUCH_ATTEMPT, None) is None
                named = uow.connection.exec_driver_sql(
                    "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'lms\\_%%'").scalar_one()
                assert named == 0
    finally:
        database.dispose()


def test_a_marked_connection_rolled_back_prepares_its_statements_again(postgres_url):
    """psycopg drops every prepared statement after rolling back a transaction, once it holds some of its own;
    a connection that goes straight to libpq forgets its own then too, whoever rolled it back."""
    from lms.db import make_engine
    from lms.driver_query import DIRECT_STATEMENTS
    from lms.services.score_write import read_before_score

    def marked(connection):
        return connection.execution_options(**{DIRECT_STATEMENTS: True})

    def prepared_again_after_dropped(connection) -> None:
        connection.connection.driver_connection.pgconn.exec_(b"DEALLOCATE ALL")  # as psycopg may, after
        connection.exec_driver_sql("SELECT 1")  # in a transaction, where failing would fail it
        assert read_before_score(connection, NO_SUCH_ATTEMPT, None) is None
        connection.rollback()

    engine = make_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        with marked(engine.connect()) as connection:  # rolled back by SQLAlchemy
            connection.exec_driver_sql("SELECT 1")  # begins the transaction
            assert read_before_score(connection, NO_SUCH_ATTEMPT, None) is None  # prepared straight on libpq
            connection.rollback()
            prepared_again_after_dropped(connection)
        with marked(engine.connect()) as connection:  # prepared again in autocommit, kept as it goes back
            connection.execution_options(isolation_level="AUTOCOMMIT")
            assert read_before_score(connection, NO_SUCH_ATTEMPT, None) is None
        raw = engine.raw_connection()  # the pool's one connection, in a transaction SQLAlchemy does not see
        raw.cursor().execute("SELECT 1")
        raw.close()  # rolled back by the pool as it takes the connection back
        with marked(engine.connect()) as connection:
            prepared_again_after_dropped(connection)
    finally:
        engine.dispose()


def test_without_libpqs_close_statements_go_straight_only_in_autocommit(postgres_url, monkeypatch):
    """Before libpq 17 a name cannot be closed whether or not it is prepared: then only autocommit goes
    straight to libpq, where preparing a name again fails no transaction."""
    from lms import pg_direct
    from lms.driver_query import forget_prepared

    monkeypatch.setattr(pg_direct, "_CAN_CLOSE", False)
    database = Database(postgres_url, pool_size=2, max_overflow=0)
    try:
        with database.unit_of_work() as uow:
            user_id = accounts.create_account(uow, f"old-libpq-{uuid.uuid4().hex}@example.com", TEST_PASSWORD).id
        _page_reads(database, user_id, 1)
        with database.unit_of_work() as uow:
            forget_prepared(uow.connection)  # what is still prepared on the server, forgotten here
        _page_reads(database, user_id, 2)  # prepared again: the server says it is already
        with database.unit_of_work() as uow, uow.write_rows() as connection:
            connection.exec_driver_sql("SELECT 1")
            assert not pg_direct.usable(connection)  # in a transaction: the cursor's way
    finally:
        database.dispose()
