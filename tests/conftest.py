"""Shared fixtures in the flaskr style: app, client, runner, auth, plus databases and units of work.

Database tests run on SQLite always and on PostgreSQL when LMS_TEST_DATABASE_URL names a
throw-away database (.ci/run sets it). In CI a missing PostgreSQL fails instead of skipping.
Helpers live in tests/support/; no test imports this file.
"""

from __future__ import annotations

import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lms import migrate
from lms.db import Database
from lms.services import accounts
from tests.support.apps import IN_CI, PG_URL, TEST_PASSWORD, make_app, truncate_all
from tests.support.player_tree import player_catalog as load_player_catalog
from tests.support.web import AuthActions


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "lms.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """The PostgreSQL test database, created if needed and migrated to head once per session."""
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but LMS_TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI")
        pytest.skip("set LMS_TEST_DATABASE_URL to run the PostgreSQL variant")
    url = make_url(PG_URL)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": url.database})
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    except Exception as exc:  # a missing server is a failure, never a silent skip
        pytest.fail(f"PostgreSQL at {url.render_as_string(hide_password=True)} is not reachable: {exc}")
    finally:
        admin.dispose()
    migrate.upgrade(PG_URL)
    return PG_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, sqlite_template):
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "lms.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    truncate_all(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template):
    path = tmp_path / "lms.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(tmp_path, monkeypatch, sqlite_url):
    app = make_app(tmp_path, monkeypatch, sqlite_url)
    yield app
    app.extensions["lms.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def database(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def uow(database):
    """A unit of work on each kind of database, as services receive it."""
    with database.unit_of_work() as work:
        yield work


@pytest.fixture
def catalog(app):
    return app.extensions["lms.catalog"].catalog


@pytest.fixture
def make_user(app):
    """Create a user directly through the service: make_user(role="admin", email=...)."""
    def create(role: str = "learner", email: str | None = None):
        with app.extensions["lms.db"].unit_of_work() as work:
            return accounts.create_account(work, email or f"{role}-{uuid.uuid4().hex[:8]}@example.com", TEST_PASSWORD,
                                    role=role)

    return create


@pytest.fixture
def learner(client, auth):
    """A client signed in as a new learner; its email is client.email."""
    client.email = auth.sign_up()
    return client


@pytest.fixture(scope="session")
def player_catalog():
    return load_player_catalog()


@pytest.fixture(scope="session")
def player_root(player_catalog):
    return player_catalog.root


@pytest.fixture
def player_app(tmp_path, monkeypatch, sqlite_url, player_root):
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01")
    yield app
    app.extensions["lms.db"].dispose()


@pytest.fixture
def player_app_on_each_database(tmp_path, monkeypatch, db_url, player_root):
    """`player_app` on SQLite and on PostgreSQL (for the cases that must behave alike on both)."""
    app = make_app(tmp_path, monkeypatch, db_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01")
    yield app
    app.extensions["lms.db"].dispose()
