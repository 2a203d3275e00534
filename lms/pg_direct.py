"""PostgreSQL: driver statements sent through libpq itself (psycopg's `pq` layer), each prepared once a connection.

Through a psycopg cursor, a hot request's one statement cost its worker more in psycopg's Python than
in the round trip: the query converted again, a new transformer, the prepare manager's counting, the
generators and the wait loop around one send and one receive (the module page's worker: 985,076
instructions a request, 935,008 this way; a submission's 2,851,950 and 2,653,287). Here the SQL
gets its `$n` places once per statement, is prepared on a connection the first time it runs there,
and each run is the send, a poll and the receive. Parameters are dumped and rows loaded by
psycopg's own adapters, as a cursor would: the same forms, the same types (one prepared statement
per set of them), the same values back.

Only where psycopg has nothing to add, and where prepared statements last: on the connections a
worker keeps (`Database`'s reads, in autocommit, and its writes) and the quick writes', each marked
with the execution option `lms.driver_query.DIRECT_STATEMENTS`, when in autocommit or in a
transaction already begun. The first statement of a transaction goes through the cursor, which
begins it with the connection's settings. psycopg drops every prepared statement of a connection
(DEALLOCATE ALL) when it rolls back a transaction, and may when it rolls back to a savepoint, if it
prepared any itself; `watch` forgets this module's then too. An ORM session's connection rolls back
at the end of every request, so its statements would be prepared anew each time, a round trip more
than psycopg's unprepared one: those stay on the cursor.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import select
from collections.abc import Mapping
from typing import Any

from psycopg import Error, capabilities, errors, pq
from psycopg.adapt import PyFormat, Transformer
from sqlalchemy import Connection, Engine, event

# Where a connection's state is kept: the pool record's info, which SQLAlchemy clears when it reconnects.
_STATE = "lms_direct_state"
_CAN_CLOSE = capabilities.has_send_close_prepared()  # libpq 17 and later
_PLACE = re.compile(r"%\((\w+)\)s|%%")


class _Statement:
    """A statement's SQL with `$n` places and its parameters in their order; prepared once per set of
    parameter types (as psycopg types them: an integer by its size, so a few variants at most)."""

    __slots__ = ("sql", "order", "formats", "names")

    def __init__(self, sql: str):
        order: list[str] = []

        def place(match: re.Match[str]) -> str:
            if match.group(0) == "%%":
                return "%"
            if match.group(1) not in order:
                order.append(match.group(1))
            return f"${order.index(match.group(1)) + 1}"

        self.sql = _PLACE.sub(place, sql)
        self.order = tuple(order)
        self.formats = [PyFormat.AUTO] * len(order)
        self.names: dict[tuple[int, ...], bytes] = {}

    def name(self, types: tuple[int, ...]) -> bytes:
        found = self.names.get(types)
        if found is None:
            found = self.names[types] = f"lms_{next(_NAMES)}".encode()
        return found


_STATEMENTS: dict[str, _Statement] = {}
_NAMES = itertools.count(1)  # a process's prepared statements' names: its connections are its own


def _statement(sql: str) -> _Statement:
    made = _STATEMENTS[sql] = _Statement(sql)
    return made


class _State:
    """What one connection keeps: the names it has prepared, its poll, its loaders."""

    __slots__ = ("dbapi", "prepared", "poll", "transformer", "encoding")

    def __init__(self, dbapi: Any):
        self.dbapi = dbapi
        self.prepared: set[bytes] = set()
        self.poll = select.poll()
        self.poll.register(dbapi.pgconn.socket, select.POLLIN)
        self.transformer = Transformer(dbapi)
        self.encoding = dbapi.info.encoding


def usable(connection: Connection) -> bool:
    """True when a statement may go straight to libpq: in autocommit or inside a transaction begun (where a
    statement prepared again must not fail, which needs libpq 17's Close: see `_execute`)."""
    dbapi: Any = connection.connection.dbapi_connection
    return bool(dbapi.autocommit) or (_CAN_CLOSE and dbapi.pgconn.transaction_status != pq.TransactionStatus.IDLE)


def watch(engine: Engine) -> None:
    """Forget a connection's prepared statements whenever psycopg may have dropped them: at a rollback
    of a transaction (the connection's, or the pool's as it takes a connection back) or to a savepoint."""

    def forget_in_transaction(info: dict, dbapi: Any) -> None:
        state = info.get(_STATE)
        if state is not None and dbapi.pgconn.transaction_status != pq.TransactionStatus.IDLE:
            state.prepared.clear()

    @event.listens_for(engine, "rollback")
    def rolled_back(connection: Connection) -> None:
        if not connection.invalidated and not connection.closed:
            forget_in_transaction(connection.connection.info, connection.connection.dbapi_connection)

    @event.listens_for(engine, "rollback_savepoint")
    def rolled_back_to_savepoint(connection: Connection, _name: str, _context: Any) -> None:
        forget_prepared(connection)

    @event.listens_for(engine.pool, "reset")
    def reset(dbapi_connection: Any, record: Any, _state: Any) -> None:
        forget_in_transaction(record.info, dbapi_connection)


def rows(connection: Connection, sql: str, values: Any, *, first: bool,
         described: bool) -> tuple[list[tuple], list | None]:
    """The rows (only the first, if `first`) and, unless `described`, each column's type as a cursor's
    description gives it."""
    state, result = _run(connection, sql, values)
    count = min(result.ntuples, 1) if first else result.ntuples
    transformer = state.transformer
    transformer.set_pgresult(result)
    types = None if described else [(None, result.ftype(index)) for index in range(result.nfields)]
    return transformer.load_rows(0, count, tuple), types


def row_count(connection: Connection, sql: str, values: Any) -> int:
    """Run a write; the rows it touched."""
    found = _run(connection, sql, values)[1].command_tuples
    return found if found is not None else -1


def forget_prepared(connection: Connection) -> None:
    """The connection's prepared statements were dropped (DEALLOCATE ALL): prepare them again when next run."""
    state = connection.connection.info.get(_STATE)
    if state is not None:
        state.prepared.clear()


def _run(connection: Connection, sql: str, values: Mapping[str, Any]) -> tuple[_State, pq.abc.PGresult]:
    record = connection.connection
    dbapi: Any = record.dbapi_connection
    state = record.info.get(_STATE)
    if state is None or state.dbapi is not dbapi:
        state = record.info[_STATE] = _State(dbapi)
    statement = _STATEMENTS.get(sql) or _statement(sql)
    try:
        try:
            return state, _execute(state, statement, values)
        except errors.InvalidSqlStatementName:
            state.prepared.clear()  # dropped by something else: prepared again, if nothing is lost by retrying
            if not dbapi.autocommit:
                raise
            return state, _execute(state, statement, values)
    except Error as error:
        # What SQLAlchemy's own path does: a lost connection leaves the pool instead of failing the next request.
        if connection.dialect.is_disconnect(error, dbapi, None):  # type: ignore[arg-type]
            connection.invalidate(error)
        raise
    except BaseException:
        # Interrupted while the server was still answering (a worker's timeout, say): the connection is
        # mid-statement and of no further use.
        if dbapi.pgconn.transaction_status == pq.TransactionStatus.ACTIVE:
            connection.invalidate()
        raise


def _execute(state: _State, statement: _Statement, values: Mapping[str, Any]) -> pq.abc.PGresult:
    pgconn, transformer = state.dbapi.pgconn, state.transformer
    # Dumped as a cursor dumps them: the same text or binary forms and the same types.
    params = transformer.dump_sequence([values[name] for name in statement.order], statement.formats)
    types = tuple(transformer.types or ())
    name = statement.name(types)
    if name not in state.prepared:
        # Forgetting is cautious (after a rollback psycopg may or may not have dropped them all), so the
        # name may still be prepared; a statement's name is its own in this process, never another's.
        if _CAN_CLOSE:  # closing a name the server does not have is no error, and fails no transaction
            pgconn.send_close_prepared(name)
            _checked(state, _result(state))
        pgconn.send_prepare(name, statement.sql.encode(state.encoding), param_types=types)
        with contextlib.suppress(errors.DuplicatePreparedStatement):  # in autocommit (without Close): it is
            _checked(state, _result(state))
        state.prepared.add(name)
    pgconn.send_query_prepared(name, params, param_formats=transformer.formats)
    return _checked(state, _result(state))


def _result(state: _State) -> pq.abc.PGresult:
    """The last result of the statement sent, once the server has sent them all."""
    pgconn = state.dbapi.pgconn
    while pgconn.flush():  # a large parameter may not fit the socket's buffer at once
        select.select([], [pgconn.socket], [])
    last = None
    while True:
        state.poll.poll()
        pgconn.consume_input()
        while not pgconn.is_busy():
            result = pgconn.get_result()
            if result is None:
                if last is None:
                    raise errors.InternalError("the server sent no result")
                return last
            last = result


def _checked(state: _State, result: pq.abc.PGresult) -> pq.abc.PGresult:
    if result.status == pq.ExecStatus.FATAL_ERROR:
        raise errors.error_from_result(result, encoding=state.encoding)
    return result
