"""The identity read on the driver's cursor (db.DriverQuery): the same answer as SQLAlchemy's path, and a
connection the database server dropped leaves the pool instead of failing the requests after it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from lms.db import Database
from lms.services import accounts, sessions
from tests.support.apps import TEST_PASSWORD, truncate_all


def test_the_identity_read_answers_as_before(uow):
    user = accounts.create_account(uow, "who@example.com", TEST_PASSWORD)
    session_id = sessions.start(uow, user.id, "test")
    found = sessions.identity_for(uow, f"{user.id}:{user.auth_version}", session_id)
    assert (found.id, found.role, found.auth_version) == (user.id, user.role, user.auth_version)
    assert sessions.identity_for(uow, f"{user.id}:{user.auth_version + 1}", session_id) is None
    assert sessions.identity_for(uow, f"{user.id}:{user.auth_version}", "another") is None
    sessions.end(uow, session_id)
    assert sessions.identity_for(uow, f"{user.id}:{user.auth_version}", session_id) is None


def test_a_connection_the_server_dropped_fails_one_request_only(postgres_url):
    truncate_all(postgres_url)
    database = Database(postgres_url, pool_size=1, max_overflow=0)
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with database.unit_of_work() as uow:
            user = accounts.create_account(uow, "dropped@example.com", TEST_PASSWORD)
            session_id = sessions.start(uow, user.id, "test")
        login = f"{user.id}:{user.auth_version}"
        with database.unit_of_work() as uow:  # the request during which the server drops the connection
            backend = uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with admin.connect() as connection:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            with pytest.raises(Exception, match="terminat|lost|closed"):
                sessions.identity_for(uow, login, session_id)
        for _ in range(2):  # the one pooled connection was replaced, not handed out again
            with database.unit_of_work() as uow:
                assert sessions.identity_for(uow, login, session_id).id == user.id
    finally:
        admin.dispose()
        database.dispose()
