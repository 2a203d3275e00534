"""SQL pieces the statistics share, written once for SQLite and PostgreSQL alike.

Neither database offers the other's date arithmetic, and SQLite has no median aggregate, so the
differences live here: seconds between two timestamps, a timestamp's UTC day, and medians
(PostgreSQL's percentile_cont; on SQLite, window functions: ROW_NUMBER and COUNT over a partition).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Float, Select, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Date


class seconds_between(FunctionElement):  # noqa: N801 - used like a SQL function
    """`later - earlier` in seconds, as a float."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_default(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"((julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)})) * 86400.0)"


class utc_day(FunctionElement):  # noqa: N801 - used like a SQL function
    """The calendar day (UTC) of a timestamp."""

    type = Date()
    inherit_cache = True


@compiles(utc_day)
def _day_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST(timezone('UTC', {compiler.process(list(element.clauses)[0], **kw)}) AS DATE)"


@compiles(utc_day, "sqlite")
def _day_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(list(element.clauses)[0], **kw)})"  # SQLite keeps UTC without a zone


def as_date(value: Any) -> dt.date:
    """A day as a date; SQLite hands back its ISO text."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def share(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return None if not whole else (part or 0) / whole


def medians(values: Select | CompoundSelect, value: str = "value", group: str | None = None,
            dialect: str = "sqlite") -> Select:
    """The median of the column `value` of a query, per `group` column when one is named.

    PostgreSQL has the aggregate (percentile_cont). Elsewhere rows are numbered in order within their
    group and the median is the middle row, or the mean of the two middle rows: those numbered
    (n + 1) / 2 and (n + 2) / 2 in integer division.
    """
    source = values.subquery()
    column = source.c[value]
    partition = [source.c[group]] if group else []
    if dialect == "postgresql":
        return (select(*partition, func.percentile_cont(0.5).within_group(column).label("median"))
                .where(column.is_not(None)).group_by(*partition))
    ranked = select(*partition, column.label("value"),
                    func.row_number().over(partition_by=partition, order_by=column).label("position"),
                    func.count().over(partition_by=partition).label("size")).where(column.is_not(None)).subquery()
    middle: ColumnElement = or_(ranked.c.position == (ranked.c.size + 1) // 2,
                                ranked.c.position == (ranked.c.size + 2) // 2)
    keys = [ranked.c[group]] if group else []
    return select(*keys, func.avg(ranked.c.value).label("median")).where(middle).group_by(*keys)


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name
