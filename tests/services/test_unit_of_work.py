"""The unit of work's reads: plain-row reads without the ORM session, one pooled connection at a time (the
main thread keeps its reads and write connections besides), and a write that releases the reads' snapshot."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session

from lms.db import Database
from lms.models import User
from lms.services import accounts, sessions
from tests.support.apps import TEST_PASSWORD
from tests.support.orm import orm_sessions_begun


def count_users(connection) -> int:
    return connection.execute(select(func.count()).select_from(User)).scalar_one()


def test_plain_row_reads_begin_no_orm_transaction(database):
    with database.unit_of_work() as uow:
        user = accounts.create_account(uow, "reader@example.com", TEST_PASSWORD)
        browser = sessions.start(uow, user.id, "test")
    with orm_sessions_begun() as begun, database.unit_of_work() as uow:
        identity = sessions.identity_for(uow, user.get_id(), browser)
        assert identity is not None and identity.role == "learner"
        assert count_users(uow.connection) == 1
        assert begun == []  # what every signed-in page pays for: no ORM session
        assert identity.email == "reader@example.com"  # the full account loads only when asked for
        assert len(begun) == 1


def _reads_then_write(database, keeps: bool) -> None:
    """`keeps`: the thread keeps its reads connection and its write connection checked out between units
    of work (the main thread does); none is kept before this test's first write."""
    pool = database.engine.pool
    kept = int(keeps)
    with database.unit_of_work() as uow:
        assert count_users(uow.connection) == 0
        assert pool.checkedout() == 1
        with uow.write() as session:
            session.execute(insert(User), [{"email": "new@example.com", "password_hash": "x", "role": "learner",
                                            "auth_version": 1}])
            # Another thread's reads connection went back to the pool: it holds one connection, never two.
            assert pool.checkedout() == 1 + kept
        assert count_users(uow.connection) == 1  # a fresh snapshot after the write
        assert uow.session.scalars(select(User.email)).all() == ["new@example.com"]
        assert pool.checkedout() == 1 + 2 * kept  # the ORM session took over from the plain connection
        assert count_users(uow.connection) == 1  # now on the session's connection
        assert pool.checkedout() == 1 + 2 * kept
    assert pool.checkedout() == 2 * kept


def test_a_threads_reads_hold_one_connection_and_a_write_releases_it(database):
    failed: list[BaseException] = []

    def request():
        try:
            _reads_then_write(database, keeps=False)
        except BaseException as error:  # noqa: BLE001 - reported by the test's own thread
            failed.append(error)

    thread = threading.Thread(target=request)
    thread.start()
    thread.join()
    assert not failed, failed


def test_the_main_thread_keeps_a_reads_and_a_write_connection_and_an_orm_session_takes_one_more(database):
    """A sync worker's one thread: at most three connections, the two it keeps and an ORM session's."""
    _reads_then_write(database, keeps=True)


def test_a_single_statement_write_commits_alone_or_joins_an_open_write(database):
    from sqlalchemy import bindparam, update

    from lms.driver_query import DriverWrite

    rename = DriverWrite(update(User).where(User.email == bindparam("old")))
    with database.unit_of_work() as uow:
        accounts.create_account(uow, "first@example.com", TEST_PASSWORD)
        assert count_users(uow.connection) == 1  # a read snapshot is open (on SQLite) before the write
        assert uow.write_statement(rename, {"old": "first@example.com", "email": "second@example.com"}) == 1
        assert uow.write_statement(rename, {"old": "nobody@example.com", "email": "x@example.com"}) == 0
        with database.unit_of_work() as other:  # committed at once: another request sees it
            assert other.connection.execute(select(User.email)).scalars().all() == ["second@example.com"]
        try:
            with uow.write():
                assert uow.write_statement(rename, {"old": "second@example.com", "email": "third@example.com"}) == 1
                raise RuntimeError("the write fails after the statement")
        except RuntimeError:
            pass
        assert uow.connection.execute(select(User.email)).scalars().all() == ["second@example.com"]


def test_a_write_of_driver_statements_opens_no_orm_session_and_one_asked_for_shares_its_transaction(database):
    begun: list[Session] = []

    def note(session, _transaction, _connection):
        begun.append(session)

    add_user = insert(User).values(password_hash="x", role="learner", auth_version=1)
    event.listen(Session, "after_begin", note)
    try:
        with database.unit_of_work() as uow:
            with uow.write_rows() as connection:
                connection.execute(add_user, {"email": "rows@example.com"})
            assert begun == []  # the usual submission: statements only, no session made
            with uow.write_rows() as connection:
                connection.execute(add_user, {"email": "both@example.com"})
                uow.session.add(User(email="orm@example.com", password_hash="x", role="learner"))
            assert len(begun) == 1
            try:
                with uow.write_rows() as connection:
                    connection.execute(add_user, {"email": "lost@example.com"})
                    uow.session.add(User(email="lost-orm@example.com", password_hash="x", role="learner"))
                    uow.flush()
                    raise RuntimeError("the write fails after both")
            except RuntimeError:
                pass
            emails = uow.connection.execute(select(User.email).order_by(User.id)).scalars().all()
    finally:
        event.remove(Session, "after_begin", note)
    # The session's pending row was flushed into the same transaction and committed or rolled back with it.
    assert emails == ["rows@example.com", "both@example.com", "orm@example.com"]


def test_an_in_process_dispatcher_is_woken_once_a_write_with_events_commits(database):
    from lms import events

    events.committed_events.clear()
    with database.unit_of_work() as uow:
        with uow.write_rows() as connection:
            events.emit(connection, "sessions.ended", actor_id=None)
            assert not events.committed_events.is_set()  # not before the commit: the row would not be there
        assert events.committed_events.is_set()
        events.committed_events.clear()
        try:
            with uow.write() as session:
                events.emit(session, "sessions.ended", actor_id=None)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        with uow.write_rows():
            pass  # a later write without events on the same connection wakes nobody either
        assert not events.committed_events.is_set()


def test_a_write_whose_session_fails_to_flush_raises_that_error_and_keeps_nothing(database):
    from sqlalchemy.exc import IntegrityError

    with database.unit_of_work() as uow:
        accounts.create_account(uow, "taken@example.com", TEST_PASSWORD)
        with pytest.raises(IntegrityError), uow.write_rows() as connection:  # refused at the flush before the commit
            connection.execute(insert(User).values(email="new@example.com", password_hash="x", role="learner",
                                                   auth_version=1))
            uow.session.add(User(email="taken@example.com", password_hash="x", role="learner"))
        emails = uow.connection.execute(select(User.email)).scalars().all()
    assert emails == ["taken@example.com"]


def test_sqlite_page_reads_open_no_transaction_and_see_the_newest_commits(sqlite_url):
    database = Database(sqlite_url)
    try:
        with database.unit_of_work() as uow:
            user_id = accounts.create_account(uow, "idle@example.com", TEST_PASSWORD).id
        with database.unit_of_work() as page, database.unit_of_work() as other:
            assert sessions.identity_for(page, f"{user_id}:1", "no-such-session") is None
            assert not page.connection.connection.driver_connection.in_transaction  # no BEGIN, nothing held
            session_id = sessions.start(other, user_id, "test")  # committed by another request meanwhile
            assert sessions.identity_for(page, f"{user_id}:1", session_id).id == user_id
    finally:
        database.dispose()
