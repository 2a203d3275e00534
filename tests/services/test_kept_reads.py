"""The main thread keeps its reads connection between requests (Database.lend_reads): each request still
sees the newest commits, and nothing else shares that connection while it is lent."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from lms.models import User
from lms.services import accounts
from tests.support.apps import TEST_PASSWORD

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

