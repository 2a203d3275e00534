"""Engine and sessions for SQLite (embedded default) and PostgreSQL (how it scales).

On SQLite every write transaction starts with BEGIN IMMEDIATE, so it holds the write lock from
its first statement: a read-then-write can wait its turn (busy timeout) but never fails half-way
with "database is locked". Reads use plain BEGIN and run alongside writers thanks to WAL.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from pathlib import Path

from flask import Flask, g, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

SQLITE_BUSY_TIMEOUT_SECONDS = 30
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("lms_write_intent", default=False)


class Base(DeclarativeBase):
    pass


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")

    return engine


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def writing(self) -> Iterator[Session]:
        """A session whose transactions take the write lock at once; commits on success."""
        token = _write_intent.set(True)
        try:
            with self.sessions() as session, session.begin():
                yield session
        finally:
            _write_intent.reset(token)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask) -> None:
    database = Database(app.config["DATABASE_URL"])
    app.extensions["lms.db"] = database

    @app.before_request
    def mark_write_intent() -> None:
        # Requests that change things write; their transactions lock at BEGIN (see module doc),
        # unless the view keeps its writes short itself (short_writes).
        view = app.view_functions.get(request.endpoint)
        writes = request.method not in ("GET", "HEAD", "OPTIONS") and not getattr(view, "short_writes", False)
        g._lms_write_token = _write_intent.set(writes)

    @app.teardown_request
    def close_session(_exc) -> None:
        session = g.pop("_lms_session", None)
        if session is not None:
            session.close()
        token = g.pop("_lms_write_token", None)
        if token is not None:
            _write_intent.reset(token)


def short_writes(view):
    """Mark a view whose request session only reads; it writes in its own brief `writing()` block.

    On SQLite the write lock is then held for the write alone, not the whole request.
    """
    view.short_writes = True
    return view


def get_db() -> Database:
    from flask import current_app

    return current_app.extensions["lms.db"]


def db_session() -> Session:
    """The request's session; views commit it when they change something."""
    if "_lms_session" not in g:
        g._lms_session = get_db().sessions()
    return g._lms_session
