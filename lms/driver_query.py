"""Core selects run straight on the driver's cursor, for the small reads made on every hot request.

SQLAlchemy's execution path (cache key, parameter processing, the result object) costs more than
such a query costs the database: about 40 µs against 10 µs for the module page's one statement on
SQLite. A `DriverQuery` compiles its select once per dialect and runs it on the DBAPI cursor of
the connection (so in its transaction), converting parameters and results with the column types'
own processors, so rows come back as `Connection.execute` would give them: aware datetimes, JSON
as Python values, Decimal for numerics.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Select

Processor = Callable[[Any], Any] | None


@dataclass
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # the parameters' order, for drivers that take them by place
    defaults: dict[str, Any]  # the values written into the statement (`== "submitted"`), processed
    required: frozenset[str]  # what every call must give
    binders: Mapping[str, Callable[[Any], Any]]  # how given values reach the driver, where the type says so
    readers: Sequence[Processor] | None = None  # per result column; set at the first run (PostgreSQL's depend on it)


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
        compiled = self._compiled.get(dialect.name) or self._compile(dialect)
        missing = compiled.required - params.keys()
        if missing:
            raise KeyError(f"parameters not given: {', '.join(sorted(missing))}")
        values = dict(compiled.defaults)
        for name, value in params.items():
            binder = compiled.binders.get(name)
            values[name] = binder(value) if binder is not None and value is not None else value
        dbapi_connection = connection.connection
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql,
                           [values[name] for name in compiled.positions] if compiled.positions is not None else values)
            found = [cursor.fetchone()] if first else cursor.fetchall()
            if compiled.readers is None:
                compiled.readers = self._readers(dialect, cursor.description)
        except dialect.loaded_dbapi.Error as error:
            # What SQLAlchemy's own path would do: a lost connection leaves the pool instead of failing
            # the next request that checks it out (and the rollback that ends this one).
            if dialect.is_disconnect(error, dbapi_connection.dbapi_connection, cursor):
                connection.invalidate(error)
            raise
        finally:
            cursor.close()
        readers = compiled.readers
        return [self.row(*(value if reader is None or value is None else reader(value)
                           for reader, value in zip(readers, row, strict=True)))
                for row in found if row is not None]

    def _compile(self, dialect: Any) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.post_compile_params:
            raise ValueError("a DriverQuery takes no IN lists: their SQL is only known once the values are")
        binds = compiled.binds
        binders: dict[str, Callable[[Any], Any]] = {}
        for name, bind in binds.items():
            binder = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if binder is not None:
                binders[name] = binder
        defaults = {name: binders[name](bind.value) if name in binders and bind.value is not None else bind.value
                    for name, bind in binds.items() if not bind.required}
        positions = compiled.positiontup
        made = _Compiled(str(compiled), tuple(positions) if positions else None, defaults,
                         frozenset(name for name, bind in binds.items() if bind.required), binders)
        self._compiled[dialect.name] = made
        return made

    def _readers(self, dialect: Any, description: Any) -> list[Processor]:
        columns = list(self.statement.selected_columns)
        if len(columns) != len(description):
            raise RuntimeError("the driver returned a different number of columns than the select names")
        return [column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(columns, description, strict=True)]
