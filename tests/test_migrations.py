"""Migrations build the schema the models describe, on SQLite and PostgreSQL, keeping data."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from lms import migrate
from lms.db import make_engine
from lms.models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """An empty database (no tables) of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    base = make_url(request.getfixturevalue("postgres_url"))
    name = f"{base.database}_migrations"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_of_an_empty_database_matches_the_models(empty_url):
    migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        assert migrate.current_revision(engine) == migrate.head_revision(empty_url)
    finally:
        engine.dispose()


def test_downgrade_to_nothing_and_back(empty_url):
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "base")
    engine = make_engine(empty_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(empty_url)


def test_audit_log_is_append_only(db_url):
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO audit_log (at, action, details) VALUES (CURRENT_TIMESTAMP, 'x', '{}')"))
        rewrites = ["UPDATE audit_log SET action = 'changed'", "DELETE FROM audit_log"]
        if engine.dialect.name == "sqlite":
            rewrites.append("INSERT OR REPLACE INTO audit_log (id, at, action, details) "
                            "VALUES (1, CURRENT_TIMESTAMP, 'forged', '{}')")
        else:
            rewrites += ["TRUNCATE audit_log",
                         "INSERT INTO audit_log (id, at, action, details) VALUES (1, now(), 'forged', '{}') "
                         "ON CONFLICT (id) DO UPDATE SET action = 'forged'"]
        for statement in rewrites:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT action FROM audit_log")) == "x"
    finally:
        engine.dispose()


def test_upgrade_from_the_previous_revision_keeps_data(empty_url):
    """A database at 0001 holding people and records comes forward to head intact and usable."""
    migrate.upgrade(empty_url, "0001")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, email, password_hash, role, auth_version, created_at) VALUES "
                "(1, 'kept@example.com', 'hash', 'learner', 3, CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO agent_profiles (user_id, first_name, last_name, npn, is_business_entity, resident_state,"
                " sell_states, phone, npn_status, updated_at) VALUES (1, 'Ana', 'Ruiz', '1234567', false, 'TX',"
                " 'TX,OK', '(512) 555-0100', 'valid', CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO producer_records (npn, name, resident_state, license_active, health_authority, "
                "updated_at) VALUES ('1234567', 'Ana Ruiz', 'TX', true, true, CURRENT_TIMESTAMP)"))
            connection.execute(text(
                "INSERT INTO audit_log (at, actor_id, subject_user_id, action, details) VALUES "
                "(CURRENT_TIMESTAMP, 1, 1, 'role.changed', '{}')"))
        migrate.upgrade(empty_url)
        with engine.begin() as connection:
            assert connection.execute(text("SELECT email, auth_version FROM users")).one() == ("kept@example.com", 3)
            assert connection.execute(text("SELECT npn, sell_states FROM agent_profiles")).one() == \
                ("1234567", "TX,OK")
            assert connection.scalar(text("SELECT count(*) FROM producer_records")) == 1
            assert connection.scalar(text("SELECT action FROM audit_log")) == "role.changed"
            connection.execute(text(
                "INSERT INTO module_progress (user_id, module_key, first_seen_at, last_seen_at, seconds_spent) "
                "VALUES (1, 'py2022/marketplace/intro', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0)"))
        assert migrate.current_revision(engine) == migrate.head_revision(empty_url)
    finally:
        engine.dispose()
