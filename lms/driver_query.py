"""Core statements run straight on the driver's cursor, for the small reads and writes of hot requests.

SQLAlchemy's execution path (cache key, parameter processing, the result object) costs more than
such a query costs the database: about 40 µs against 10 µs for the module page's one statement on
SQLite. A `DriverQuery` compiles its select once per dialect and runs it on the DBAPI cursor of
the connection (so in its transaction), converting parameters and results with the column types'
own processors, so rows come back as `Connection.execute` would give them: aware datetimes, JSON
as Python values, Decimal for numerics. A `DriverWrite` does the same for an INSERT or UPDATE whose
values come as parameters, filling the columns' Python-side defaults (a `created_at`) as SQLAlchemy
would; a submission's five writes cost about half as much this way.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Text, bindparam, cast, column, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import Insert, Update, ValuesBase

try:
    from lms import pg_direct
except ModuleNotFoundError as missing:  # psycopg is not installed: SQLite alone
    if missing.name is None or not missing.name.startswith("psycopg"):
        raise
    pg_direct = None  # type: ignore[assignment]

Processor = Callable[[Any], Any] | None


@dataclass
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # the parameters' order, for drivers that take them by place
    defaults: dict[str, Any]  # the values written into the statement (`== "submitted"`), processed
    required: frozenset[str]  # what every call must give
    binders: Mapping[str, Callable[[Any], Any]]  # how given values reach the driver, where the type says so
    readers: Sequence[Processor] | None = None  # per result column; set at the first run (PostgreSQL's depend on it)
    filled: Sequence[tuple[str, Callable[[], Any]]] = ()  # columns whose Python-side default fills them (writes)

    def __post_init__(self) -> None:
        # For drivers that take parameters by place (sqlite3): where each place's value comes from, worked
        # out once, so a call is one pass over the places (a submission makes thirteen such lists).
        filled = {name for name, _ in self.filled}
        self._places = None if self.positions is None else tuple(
            (name, self.binders.get(name), name in self.defaults and name not in filled, self.defaults.get(name),
             name in filled)
            for name in self.positions)

    def values(self, params: Mapping[str, Any]) -> list[Any] | dict[str, Any]:
        """The parameters as the driver takes them: processed by their types, defaults filled, in order."""
        missing = self.required - params.keys()
        if missing:
            raise KeyError(f"parameters not given: {', '.join(sorted(missing))}")
        if self._places is not None:
            made = {name: default() for name, default in self.filled} if self.filled else params
            by_place = []
            for name, binder, constant, value, filled in self._places:
                if not constant:
                    value = made[name] if filled else params[name]
                    if binder is not None and value is not None:
                        value = binder(value)
                by_place.append(value)
            return by_place
        values = dict(self.defaults)
        for name, value in params.items():
            binder = self.binders.get(name)
            values[name] = binder(value) if binder is not None and value is not None else value
        for name, default in self.filled:
            value = default()
            binder = self.binders.get(name)
            values[name] = binder(value) if binder is not None and value is not None else value
        return values


def _compile(statement: Any, dialect: Any, column_keys: list[str] | None = None) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=column_keys)
    if compiled.post_compile_params:
        raise ValueError("a driver statement takes no IN lists: their SQL is only known once the values are")
    # The parameters as the SQL names them (`compiled.binds` also holds each anonymous one under a second
    # key, which the driver would be sent for nothing: psycopg parses a statement's SQL again on every run
    # once it is sent more than 50 parameters).
    rendered = {name: bind for bind, name in compiled.bind_names.items()}
    binders: dict[str, Callable[[Any], Any]] = {}
    for name, bind in rendered.items():
        binder = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if binder is not None:
            binders[name] = binder
    defaults = {name: binders[name](bind.value) if name in binders and bind.value is not None else bind.value
                for name, bind in rendered.items() if not bind.required}
    filled = [*((column.key, _python_default(column, column.default)) for column in compiled.insert_prefetch),
              *((column.key, _python_default(column, column.onupdate)) for column in compiled.update_prefetch)]
    positions = compiled.positiontup
    return _Compiled(str(compiled), tuple(positions) if positions else None, defaults,
                     frozenset(name for name, bind in rendered.items() if bind.required), binders, filled=filled)


def json_rows(table: Any, names: Sequence[str], parameter: str) -> Any:
    """PostgreSQL: rows of `table`'s columns `names` from one JSON text parameter (`rows_as_json`): a FROM
    item whose columns are named and typed as the table's.

    One text rather than a list per column: psycopg dumps a list parameter in Python, element by element
    (about 150 µs for a submission's lists of eight), and a text in C. And one text has one type,
    whatever the rows hold, where psycopg types a list of integers by their size: a statement's SQL and
    parameter types stay the same, so psycopg prepares it once per connection."""
    columns = table.c
    given = cast(bindparam(parameter, type_=Text), postgresql.JSON)
    return (func.json_to_recordset(given)
            .table_valued(*(column(name, columns[name].type) for name in names)).render_derived(with_types=True))


def column_binders(table: Any, names: Sequence[str], dialect: Any) -> dict[str, Callable[[Any], Any]]:
    """The bind processors of those of `table`'s columns `names` that have one (a JSON column's, a UTC
    time's), for `rows_as_json`."""
    found = {name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names}
    return {name: binder for name, binder in found.items() if binder is not None}


def rows_as_json(rows: Sequence[Mapping[str, Any]], names: Sequence[str],
                 binders: Mapping[str, Callable[[Any], Any]] | None = None) -> str:
    """The text `json_rows` takes for `rows` (mappings holding at least `names`), each value through its
    column's bind processor (`column_binders`) where one is given; times go as ISO 8601 text, which
    PostgreSQL reads back as the same instant."""
    binders = binders or {}
    return json.dumps([{name: binders[name](row[name]) if name in binders and row[name] is not None else row[name]
                        for name in names} for row in rows], separators=(",", ":"), allow_nan=False,
                      default=_json_value)


def _json_value(value: Any) -> str:
    if isinstance(value, dt.date):  # a datetime too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"a {type(value).__name__} has no JSON form for a driver write")


@functools.lru_cache(maxsize=256)
def text_array(values: tuple[str, ...]) -> str:
    """PostgreSQL's text form of an array of `values`, for a parameter cast to an array type: for a list
    that is the same on every call (a track's module keys), made once instead of dumped each time."""
    return "{" + ",".join('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values) + "}"


def _python_default(column: Any, default: Any) -> Callable[[], Any]:
    if default is not None and default.is_callable:
        return lambda: default.arg(None)  # SQLAlchemy wraps a default taking no context to take one
    if default is not None and default.is_scalar:
        return lambda: default.arg
    raise ValueError(f"column {column.key}: only Python-side defaults can be filled in by a driver statement")


class DriverQuery:
    """One select, run by `first`, `one` or `all` on a connection with the parameters it names."""

    def __init__(self, statement: Select):
        self.statement = statement
        self.row = namedtuple("Row", list(statement.selected_columns.keys()))  # type: ignore[misc]
        self._compiled: dict[str, _Compiled] = {}

    def first(self, connection: Connection, params: dict[str, Any]) -> Any:
        """The first row (attributes named as the select's columns), or None."""
        rows = self._run(connection, params, first=True)
        return rows[0] if rows else None

    def one(self, connection: Connection, params: dict[str, Any]) -> Any:
        rows = self._run(connection, params, first=False)
        if len(rows) != 1:
            raise LookupError(f"expected one row, found {len(rows)}")
        return rows[0]

    def all(self, connection: Connection, params: dict[str, Any]) -> list:
        return self._run(connection, params, first=False)

    def _run(self, connection: Connection, params: dict[str, Any], *, first: bool) -> list:
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        values = compiled.values(params)
        if dialect.name == "postgresql" and _direct(connection):
            found, types = pg_direct.rows(connection, compiled.sql, values, first=first,
                                          described=compiled.readers is not None)
            if types is not None:
                compiled.readers = self._readers(dialect, types)
        else:
            with _Cursor(connection) as cursor:
                cursor.execute(compiled.sql, values)
                found = [cursor.fetchone()] if first else cursor.fetchall()
                if compiled.readers is None:
                    compiled.readers = self._readers(dialect, cursor.description)
        readers = compiled.readers
        assert readers is not None  # set by the statement's first run on this dialect
        return [self.row(*(value if reader is None or value is None else reader(value)
                           for reader, value in zip(readers, row, strict=True)))
                for row in found if row is not None]

    def _readers(self, dialect: Any, description: Any) -> list[Processor]:
        columns = list(self.statement.selected_columns)
        if len(columns) != len(description):
            raise RuntimeError("the driver returned a different number of columns than the select names")
        return [column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(columns, description, strict=True)]


class DriverWrite:
    """One INSERT or UPDATE, its values (SET columns, inserted columns) named by the parameters given.

    `run` writes one row of parameters and returns the driver's row count; `run_many` writes several
    rows, which must name the same columns: on PostgreSQL an INSERT that sets no values of its own as
    one statement taking the rows as one JSON text (`INSERT … SELECT … FROM json_to_recordset(…)`),
    anything else in one executemany. Never a RETURNING clause: these writes read nothing back."""

    def __init__(self, statement: Insert | Update):
        self.statement: ValuesBase = statement.inline() if isinstance(statement, Insert) else statement
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled] = {}
        # The INSERT from one JSON text of each set of columns, with those columns' bind processors.
        self._as_one: dict[tuple[str, tuple[str, ...]], tuple[_Compiled, dict[str, Callable[[Any], Any]]]] = {}
        # An INSERT that sets values of its own cannot take a list of rows after them: executemany.
        self._rows_as_one = isinstance(statement, Insert) and not statement._values

    def run(self, connection: Connection, params: Mapping[str, Any]) -> int:
        compiled = self._for(connection.dialect, params)
        if connection.dialect.name == "postgresql" and _direct(connection):
            return pg_direct.row_count(connection, compiled.sql, compiled.values(params))
        with _Cursor(connection) as cursor:
            cursor.execute(compiled.sql, compiled.values(params))
            return cursor.rowcount

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        names = rows[0].keys()
        if any(row.keys() != names for row in rows):
            raise KeyError("every row of one executemany must name the same columns")
        compiled = self._for(connection.dialect, rows[0])
        if self._rows_as_one and connection.dialect.name == "postgresql":
            self._run_as_one(connection, compiled, rows)
            return
        with _Cursor(connection) as cursor:
            cursor.executemany(compiled.sql, [compiled.values(row) for row in rows])

    def _run_as_one(self, connection: Connection, single: _Compiled, rows: Sequence[Mapping[str, Any]]) -> None:
        """One INSERT of every row, from one JSON text (`json_rows`); Python-side defaults filled per row,
        as `run` does.

        Its SQL and its parameter's type are the same whatever the rows hold, so psycopg prepares it once
        per connection. Rows as `VALUES (…), (…)` made a statement for each row count, and since psycopg
        types each integer by its size and NULL apart, for each pattern of values: a submission's
        per-question rows found a statement not yet prepared in about half the runs (28 prepared
        variants in 500 submissions), which PostgreSQL parsed and planned anew."""
        filled = [{**row, **{name: default() for name, default in single.filled}} for row in rows]
        names = tuple(sorted(filled[0]))
        key = (connection.dialect.name, names)
        found = self._as_one.get(key)
        if found is None:
            table = self.statement.table
            source = json_rows(table, names, "rows")
            statement = insert(table).from_select(list(names), select(*(source.c[name] for name in names)))
            found = self._as_one[key] = (_compile(statement, connection.dialect),
                                         column_binders(table, names, connection.dialect))
        compiled, binders = found
        values = compiled.values({"rows": rows_as_json(filled, names, binders)})
        if _direct(connection):
            pg_direct.row_count(connection, compiled.sql, values)
            return
        with _Cursor(connection) as cursor:
            cursor.execute(compiled.sql, values)

    def _for(self, dialect: Any, params: Mapping[str, Any]) -> _Compiled:
        key = (dialect.name, frozenset(params))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compile(self.statement, dialect, sorted(params))
        return compiled


# PostgreSQL: the execution option of connections whose driver statements go straight to libpq (lms.pg_direct).
DIRECT_STATEMENTS = "lms_direct_statements"


def _direct(connection: Connection) -> bool:
    """PostgreSQL: this statement may go straight to libpq (see lms.pg_direct)."""
    return (pg_direct is not None and bool(connection.get_execution_options().get(DIRECT_STATEMENTS))
            and pg_direct.usable(connection))


def forget_prepared(connection: Connection) -> None:
    """PostgreSQL: the connection's prepared statements were dropped (DEALLOCATE ALL)."""
    if pg_direct is not None:
        pg_direct.forget_prepared(connection)


def watch_prepared(engine: Any) -> None:
    """PostgreSQL: keep what lms.pg_direct knows of each connection's prepared statements true."""
    if pg_direct is not None and engine.dialect.name == "postgresql":
        pg_direct.watch(engine)


# The pool record's info, where a PostgreSQL connection's cursor is kept (cleared when it reconnects).
_KEPT_CURSOR = "lms_kept_cursor"


class _Cursor:
    """A cursor of the connection's driver connection, in its transaction. A class rather than a
    generator: every driver statement opens one, and `contextlib`'s wrapper costs more.

    On PostgreSQL the connection keeps one cursor for all its driver statements: psycopg builds each new
    cursor its own adapters and row maker (a new cursor per statement cost a module page's worker about
    50,000 of its 1.04 million instructions), and a cursor holds nothing on the server between statements
    (the next `execute` discards rows left unread). sqlite3's cursors are cheap, and one left with rows
    unread keeps its statement, and with it the read transaction, open: those are closed after each."""

    __slots__ = ("connection", "dbapi_connection", "cursor", "kept")

    def __init__(self, connection: Connection):
        self.connection = connection
        self.dbapi_connection = connection.connection
        self.kept = connection.dialect.name == "postgresql"

    def __enter__(self) -> Any:
        if self.kept:
            info = self.dbapi_connection.info
            cursor = info.get(_KEPT_CURSOR)
            if cursor is None or cursor.closed or cursor.connection is not self.dbapi_connection.dbapi_connection:
                cursor = info[_KEPT_CURSOR] = self.dbapi_connection.cursor()
            self.cursor = cursor
            return cursor
        self.cursor = self.dbapi_connection.cursor()
        return self.cursor

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        try:
            dialect = self.connection.dialect
            # What SQLAlchemy's own path would do: a lost connection leaves the pool instead of failing
            # the next request that checks it out (and the rollback that ends this one).
            if (isinstance(error, dialect.loaded_dbapi.Error)
                    and dialect.is_disconnect(error, self.dbapi_connection.dbapi_connection, self.cursor)):
                self.connection.invalidate(error)
        finally:
            if not self.kept:
                self.cursor.close()
