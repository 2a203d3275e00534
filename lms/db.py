"""Engine, sessions and the unit of work, for SQLite (embedded default) and PostgreSQL (how it scales).

Nothing here knows about Flask: the web layer, the `lms` commands and the tests all reach the
database through a `UnitOfWork`.

On SQLite a write transaction starts with BEGIN IMMEDIATE, so it holds the write lock from its
first statement: a read-then-write waits its turn (busy timeout) but never fails half-way with
"database is locked". Reads use plain BEGIN and run beside writers thanks to WAL.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from lms.driver_query import DIRECT_STATEMENTS, DriverWrite, forget_prepared, watch_prepared
from lms.kept_connections import KeptConnection
from lms.sqlite_writes import WAL_SIZE_LIMIT_BYTES, Checkpoints, WriteGate

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# lms.events marks a write's connection with this when it emits an event; once that write commits,
# `committed_events` is set, so an in-process outbox dispatcher delivers at once instead of at its next poll.
EMITTED_EVENTS = "lms_emitted_events"
committed_events = threading.Event()
# Connections checked out for a write carry this execution option; their BEGIN takes the write lock.
WRITE_INTENT = "lms_write_intent"


# On PostgreSQL a page's plain-row reads run without a transaction (autocommit): at READ COMMITTED
# every statement sees the newest commits either way, and BEGIN and COMMIT were two of a page's four
# round trips. psycopg prepares a statement the fifth time a connection runs it, and the server then
# skips planning it; the prepared statements outlive each request. A generic plan is made once, from
# the table sizes of that moment, and without ANALYZE (autovacuum off) nothing replaces it as the
# tables grow; so every PLAN_MAX_AGE_SECONDS a connection drops its prepared statements (DEALLOCATE
# ALL, which psycopg notices) and plans them afresh.
PLAN_MAX_AGE_SECONDS = 60.0
_PLANS_SINCE = "lms_plans_since"


class Base(DeclarativeBase):
    pass


def _plans_fresh(reads: Connection) -> bool:
    """False once the connection's plans are due to be remade (and from then on counted afresh)."""
    info, now = reads.info, time.monotonic()
    since = info.setdefault(_PLANS_SINCE, now)
    if now - since <= PLAN_MAX_AGE_SECONDS:
        return True
    info[_PLANS_SINCE] = now
    return False


def sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL naming one plainly (not in memory, not a URI); else None."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10, pool_recycle: int = 1800,
                pool_pre_ping: bool = False, checkpoints_elsewhere: bool = False) -> Engine:
    """An engine for the URL. On PostgreSQL each worker keeps `pool_size` connections (a sync worker
    uses one for reading and one for a write at a time; threads need more); connections older than
    `pool_recycle` seconds are replaced. `pool_pre_ping` pings the server on every checkout, a round
    trip per request, so it is off unless the network drops idle connections (a proxy, a firewall).
    On SQLite, `checkpoints_elsewhere` turns off the checkpoints commits would run (lms.sqlite_writes)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=pool_pre_ping, pool_size=pool_size, max_overflow=max_overflow,
                               pool_recycle=pool_recycle)
        watch_prepared(engine)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if checkpoints_elsewhere:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(WRITE_INTENT, False)
        # Straight to the driver: every request begins at least one transaction, and SQLAlchemy's
        # statement machinery cost more than the BEGIN itself. Nothing here needs events or results.
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def make_quick_write_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10, pool_recycle: int = 1800,
                            pool_pre_ping: bool = False) -> Engine:
    """PostgreSQL connections for single-statement writes that need not wait for the disk (heartbeats,
    autosaves): autocommit, so the statement is its transaction and one round trip, and
    `synchronous_commit` off for the whole connection, so no SET LOCAL is sent each time. Nothing
    else runs on them."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=pool_pre_ping, pool_size=pool_size,
                           max_overflow=max_overflow, pool_recycle=pool_recycle,
                           execution_options={DIRECT_STATEMENTS: True})  # never rolled back: what is prepared stays

    @event.listens_for(engine, "connect")
    def asynchronous_commit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.autocommit = True  # the SET below must not open a transaction
        dbapi_connection.execute("SET synchronous_commit TO OFF")

    return engine


class Database:
    def __init__(self, url: str, **engine_options: Any):
        self.url = url
        database = sqlite_file(url)
        self.write_gate = WriteGate(database + "-writers") if database else None
        self.checkpoints = Checkpoints(database, self.write_gate) if database and self.write_gate else None
        self.engine = make_engine(url, checkpoints_elsewhere=self.checkpoints is not None, **engine_options)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.write_engine = self.engine.execution_options(**{WRITE_INTENT: True})
        self.quick_writes = None if self.is_sqlite else make_quick_write_engine(url, **engine_options)
        self._kept_reads = KeptConnection(self._reads_connection)
        self._kept_writes = KeptConnection(self._writes_connection)
        self._kept_quick_writes = KeptConnection(self._quick_writes_connection)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self)

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A session to look at rows (tests, benchmarks); services use a UnitOfWork."""
        with self.sessions() as session:
            yield session

    @contextlib.contextmanager
    def write_turn(self) -> Iterator[None]:
        """A writer's turn: on SQLite the gate is held for the write (elsewhere there is nothing to
        queue for), and once the write has committed a checkpoint is due."""
        with self.write_gate.held() if self.write_gate else contextlib.nullcontext():
            yield
        if self.checkpoints is not None:
            self.checkpoints.committed()

    def dispose(self) -> None:
        self._kept_reads.dispose()
        self._kept_writes.dispose()
        self._kept_quick_writes.dispose()
        self.engine.dispose()
        if self.quick_writes is not None:
            self.quick_writes.dispose()

    def lend_reads(self) -> Connection:
        """A connection for a unit of work's plain-row reads, outside any transaction: the one the main
        thread keeps (lms.kept_connections), when it is free. On PostgreSQL these connections run in
        autocommit (see PLAN_MAX_AGE_SECONDS)."""
        return self._kept_reads.lend()

    def take_back(self, connection: Connection) -> None:
        """The unit of work is done reading: the kept connection's transaction ends, any other goes back."""
        self._kept_reads.take_back(connection)

    def lend_writes(self) -> Connection:
        """A connection for one write transaction (its BEGIN takes SQLite's write lock), kept as reads' is."""
        return self._kept_writes.lend()

    def take_back_writes(self, connection: Connection, *, failed: bool) -> None:
        """The write is over; after a failure its connection is not kept, whatever state it is in."""
        self._kept_writes.take_back(connection, discard=failed)

    def lend_quick_writes(self) -> Connection:
        """PostgreSQL: a connection of `quick_writes` for one statement, kept as reads' is (a heartbeat's
        checkout from the pool and back cost it about a tenth of its instructions)."""
        return self._kept_quick_writes.lend()

    def take_back_quick_writes(self, connection: Connection, *, failed: bool) -> None:
        """The statement is over; after a failure its connection is not kept."""
        self._kept_quick_writes.take_back(connection, discard=failed)

    def _quick_writes_connection(self) -> Connection:
        assert self.quick_writes is not None, "quick writes are PostgreSQL's"
        return self.quick_writes.connect()

    def _reads_connection(self) -> Connection:
        connection = self.engine.connect()
        if not self.is_sqlite:  # the pool restores the isolation level on return
            connection.execution_options(isolation_level="AUTOCOMMIT", **{DIRECT_STATEMENTS: True})
        return connection

    def _writes_connection(self) -> Connection:
        connection = self.write_engine.connect()
        if not self.is_sqlite:  # kept, committing its writes: what it prepares stays prepared (lms.pg_direct)
            connection.execution_options(**{DIRECT_STATEMENTS: True})
        return connection


class UnitOfWork:
    """How a service touches the database: one session to read, short transactions to write.

    Reads open on first use. A driver statement (`DriverQuery`) on the bare connection is a read of
    its own, seeing the newest commits: in autocommit on SQLite (a BEGIN and ROLLBACK around a page's
    reads cost 10-14 µs of its 215), on PostgreSQL in autocommit too (see PLAN_MAX_AGE_SECONDS), as
    at READ COMMITTED. A Core `execute` on it begins one transaction, one snapshot, until the unit
    of work ends, as the ORM session's reads do. `connection` is for Core reads: until something
    wants ORM objects it is a bare connection, so the hot pages, which read only plain rows, skip
    the ORM session's transaction machinery (about 40 µs a request). `session` reads ORM objects;
    once it exists, `connection` is its connection, and the bare one has been handed back
    (take `connection` again after using `session`, not a copy from before).

    `write()` runs one transaction in a session of its own that takes SQLite's write lock at BEGIN,
    commits when the block ends and rolls back when it raises, a domain error included. A `write()`
    inside another joins it. Inside a write, `connection` and `session` are the writing ones, so
    helpers that read see what the write has done so far.

    Services take and return plain values or ids across a write: ORM objects belong to the session
    that loaded them.
    """

    def __init__(self, database: Database):
        self.database = database
        self._reads: Connection | None = None
        self._reader: Session | None = None
        self._writing: Connection | None = None  # the open write transaction's connection
        self._writer: Session | None = None  # an ORM session on that transaction, made when first asked for
        self._durable = True
        self._after_commit: list[Callable[[], None]] = []

    @property
    def is_sqlite(self) -> bool:
        return self.database.is_sqlite

    @property
    def connection(self) -> Connection:
        if self._writing is not None:
            return self._writing
        if self._reader is not None:
            return self._reader.connection()
        if self._reads is None:
            self._reads = self._lend_reads()
        return self._reads

    def _lend_reads(self) -> Connection:
        reads = self.database.lend_reads()
        if not self.is_sqlite and not _plans_fresh(reads):
            reads.exec_driver_sql("DEALLOCATE ALL")
            forget_prepared(reads)
        return reads

    @property
    def session(self) -> Session:
        if self._writing is not None:
            if self._writer is None:
                # Bound to the open transaction, which the unit of work commits or rolls back (after a
                # flush); the session never does either, only its savepoints (begin_nested).
                self._writer = Session(bind=self._writing, expire_on_commit=False,
                                       join_transaction_mode="rollback_only")
            return self._writer
        if self._reader is None:
            self._end_bare_reads()
            self._reader = self.database.sessions()
        return self._reader

    @property
    def writing(self) -> bool:
        return self._writing is not None

    @contextlib.contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Session]:
        """One write transaction (or the one already open, joined), with an ORM session on it.

        `durable=False` is for the writes a page repeats every few seconds, seat time and autosaved
        answers: on PostgreSQL they commit without waiting for the write-ahead log to reach the disk
        (asynchronous commit), so a crash of the database server may forget the last fraction of a
        second of them, as SQLite's WAL with synchronous=NORMAL may after a power cut. The next
        heartbeat or autosave sends them again. Every other write waits for the disk.
        """
        with self.write_rows(durable=durable):
            yield self.session

    @contextlib.contextmanager
    def write_rows(self, *, durable: bool = True) -> Iterator[Connection]:
        """The same write transaction as `write()`, for driver statements (`DriverWrite`), without an
        ORM session unless something inside asks `session` for one (a session and its transaction
        machinery were about 5 % of a submission's instructions)."""
        if self._writing is not None:
            if durable:
                self.make_durable()
            yield self._writing
            return
        # Release the read snapshot: the write, and every read after it, see the newest rows.
        self.end_reads()
        connection: Connection | None = None
        failed = True
        try:
            connection = self.database.lend_writes()
            with self.database.write_turn():
                try:
                    with connection.begin():
                        if not self.is_sqlite and not _plans_fresh(connection):
                            # A worker's write connection lives for days: plans made while a table was
                            # nearly empty (a new site) would otherwise stay, as the reads' once did.
                            connection.exec_driver_sql("DEALLOCATE ALL")
                            forget_prepared(connection)
                        self._writing, self._durable = connection, True
                        try:
                            if not durable:
                                self._set_durable(False)
                            yield connection
                            self.flush()
                        finally:
                            writer, self._writer, self._writing = self._writer, None, None
                            if writer is not None:
                                writer.close()
                    failed = False
                finally:
                    emitted = connection.info.pop(EMITTED_EVENTS, False)  # committed, or rolled back
        except BaseException:
            self._after_commit.clear()
            raise
        finally:
            if connection is not None:
                self.database.take_back_writes(connection, failed=failed)
        if emitted:
            committed_events.set()
        # A read that slipped in during the write (a lazy load) must not pin a snapshot from before it.
        self.end_reads()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def flush(self) -> None:
        """Inside a write: the ORM session's pending changes reach the database, so statements on
        `connection` see them."""
        if self._writer is not None:
            self._writer.flush()

    def write_statement(self, statement: DriverWrite, params: Mapping[str, Any]) -> int:
        """One statement as a transaction of its own that need not wait for the disk (what
        `write(durable=False)` is for), without an ORM session: the usual heartbeat and autosave.
        Returns the driver's row count. Inside a `write()` it is part of that transaction instead.

        On SQLite it runs in autocommit on the reads' connection, at the write gate; on PostgreSQL on a
        connection of `Database.quick_writes` (the one the main thread keeps), one round trip in all."""
        if self._writing is not None:
            self.flush()
            return statement.run(self._writing, params)
        if self.database.quick_writes is not None:
            connection, failed = self.database.lend_quick_writes(), True
            try:
                count = statement.run(connection, params)
                failed = False
                return count
            finally:
                self.database.take_back_quick_writes(connection, failed=failed)
        self.end_reads()  # SQLite: the reads' snapshot would refuse a write after another writer's commit
        connection = self.database.lend_reads()
        try:
            with self.database.write_turn():
                return statement.run(connection, params)
        finally:
            self.database.take_back(connection)

    @contextlib.contextmanager
    def statement_alone(self) -> Iterator[Connection]:
        """PostgreSQL: a connection in autocommit, outside any write, for a write that is one statement
        (a data-modifying CTE), so that the statement is its own transaction and waits for the disk: a
        round trip, where BEGIN, the statement and COMMIT were three. Events it emitted wake an
        in-process dispatcher, as a write's commit does."""
        if self.is_sqlite or self._writing is not None:
            raise RuntimeError("statement_alone is for PostgreSQL, outside a write")
        # The bare reads' connection runs in autocommit; an ORM session's connection is in a transaction.
        lent = self._reads is None or self._reader is not None
        connection = self._lend_reads() if lent else self._reads
        assert connection is not None
        try:
            yield connection
        finally:
            emitted = connection.info.pop(EMITTED_EVENTS, False)
            if lent:
                self.database.take_back(connection)
        if emitted:
            committed_events.set()

    def make_durable(self) -> None:
        """The open write turns out to matter (a score, say): its commit waits for the disk after all."""
        if self._writing is not None and not self._durable:
            self._set_durable(True)

    def _set_durable(self, durable: bool) -> None:
        self._durable = durable
        if not self.is_sqlite and self._writing is not None:  # SQLite's commits wait only for the WAL file
            self._writing.exec_driver_sql(f"SET LOCAL synchronous_commit TO {'ON' if durable else 'OFF'}")

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the current write commits (never if it rolls back)."""
        if self._writing is None:
            callback()
        else:
            self._after_commit.append(callback)

    def end_reads(self) -> None:
        if self._reader is not None and self._reader.in_transaction():
            self._reader.rollback()
        self._end_bare_reads()

    def _end_bare_reads(self) -> None:
        reads, self._reads = self._reads, None
        if reads is None:
            return
        self.database.take_back(reads)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._end_bare_reads()

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

