"""Building apps and databases for tests: SQLite always, PostgreSQL when LMS_TEST_DATABASE_URL names one."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, text

from lms.app import create_app
from lms.config import PROJECT_ROOT
from lms.models import Base

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_URL = os.environ.get("LMS_TEST_DATABASE_URL")
TEST_PASSWORD = "correct horse battery staple"


def make_app(tmp_path, monkeypatch, database_url: str, **overrides) -> Flask:
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "CONTENT_ROOT": str(PROJECT_ROOT),
              "DATABASE_URL": database_url, "TODAY": "2021-09-15"}
    config.update(overrides)
    return create_app(config)


def truncate_all(url: str) -> None:
    """Empty every table of a PostgreSQL test database (its schema stays)."""
    engine = create_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        # The audit log refuses TRUNCATE (a trigger); a superuser in replica mode may still empty it.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
