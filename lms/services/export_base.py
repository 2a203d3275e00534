"""What every export is made of: its fields, its filters, and rows read by keyset in batches.

One definition serves the CSV download and the JSON API alike, and the API's OpenAPI document is
drawn from the same fields and filters, so the three never disagree. Rows are read in key order,
`WHERE key > last ORDER BY key LIMIT n`: each batch is one index range scan however far in, and a
stream holds one batch in memory at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from lms.services.csvfiles import CsvLines, formula_safe
from lms.services.errors import RuleError

MAX_ID = 2**31 - 1
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
STREAM_BATCH = 1000
_WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")

Row = dict[str, Any]


@dataclass(frozen=True)
class Field:
    """One column of a CSV and one property of an API item."""

    name: str
    kind: str  # string | integer | number | boolean | date-time | object | strings
    description: str
    nullable: bool = False
    choices: tuple[str, ...] = ()
    computed: bool = False  # filled in by the export's `enrich`, not selected by its query


@dataclass(frozen=True)
class Param:
    """One query-string filter. Values outside its choices or range are refused, never quietly dropped."""

    name: str
    description: str
    choices: tuple[str, ...] = ()  # the only values accepted
    integer: bool = False  # a whole number from `minimum` to MAX_ID
    minimum: int = 1
    maximum: int = MAX_ID
    max_length: int = 200  # free text, when neither of the above
    labels: tuple[tuple[str, str], ...] = ()  # (choice, words) where a form should show words
    default: str = ""  # the choice taken when none is given

    @property
    def options(self) -> list[tuple[str, str]]:
        words = dict(self.labels)
        return [(choice, words.get(choice, choice.replace("_", " "))) for choice in self.choices]

    def read(self, given: str) -> Any:
        if self.integer:
            number = int(given) if _WHOLE_NUMBER.fullmatch(given) else None
            if number is None or not self.minimum <= number <= self.maximum:
                raise RuleError(f"{self.name} must be a whole number from {self.minimum} to {self.maximum}.")
            return number
        if self.choices:
            if given not in self.choices:
                raise RuleError(f"{self.name} must be one of: {', '.join(self.choices)}.")
            return given
        if "\x00" in given or len(given) > self.max_length:
            raise RuleError(f"{self.name} must be text of at most {self.max_length} characters.")
        return given.strip() or None


LIMIT = Param("limit", f"How many rows a page holds (default {DEFAULT_LIMIT}).", integer=True, maximum=MAX_LIMIT)
CURSOR = Param("cursor", "The id of the last row you have: the `next_cursor` of the page before (or the highest "
                         "id seen in an earlier run). Leave it out for the first page.", integer=True,
               maximum=10**12 - 1)


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    next_cursor: str | None  # None on the last page


def read_args(params: Sequence[Param], args: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The filters in `args` (each name mapped to the values given), checked; a RuleError says what is wrong."""
    values: dict[str, Any] = {}
    for param in params:
        given = args.get(param.name) or []
        if len(given) > 1:
            raise RuleError(f"Give {param.name} at most once.")
        if given:
            value = param.read(given[0])
            if value is not None:
                values[param.name] = value
        elif param.default:
            values[param.name] = param.default
    return values


@dataclass(frozen=True)
class Export:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]  # the first is the row's id: rows are read in its order
    params: tuple[Param, ...]
    key_column: InstrumentedAttribute[int]
    query: Callable[[dict[str, Any]], Select]  # every row the filters match: the fields not computed, in order
    enrich: Callable[[Session, list[Row]], None] | None = None  # adds fields for a whole batch at once

    def filters(self, args: Mapping[str, Sequence[str]], *, paged: bool = False) -> dict[str, Any]:
        """The filters `args` ask for. `paged` (the API): `limit` and `cursor` may come too, and nothing else,
        so a misspelt filter is an error rather than a quietly unfiltered answer."""
        if paged:
            known = {param.name for param in (*self.params, LIMIT, CURSOR)}
            unknown = sorted(name for name in args if name not in known)
            if unknown:
                raise RuleError(f"Unknown parameter {unknown[0]!r}; this list takes: {', '.join(sorted(known))}.")
        return read_args(self.params, args)

    def fetch(self, session: Session, filters: dict[str, Any], after: int, limit: int) -> list[Row]:
        """Up to `limit` rows whose id is above `after`, in id order: one query (plus one per `enrich`)."""
        query = (self.query(filters).where(self.key_column > min(after, MAX_ID)).order_by(self.key_column)
                 .limit(limit))
        names = [field.name for field in self.fields if not field.computed]
        rows = [dict(zip(names, found, strict=True)) for found in session.execute(query)]
        if rows and self.enrich is not None:
            self.enrich(session, rows)
        return rows

    def page(self, session: Session, filters: dict[str, Any], args: Mapping[str, Sequence[str]]) -> Page:
        """The page `args` ask for (`limit`, `cursor`), and the cursor of the next one."""
        paging = read_args((LIMIT, CURSOR), args)
        limit = paging.get("limit", DEFAULT_LIMIT)
        rows = self.fetch(session, filters, paging.get("cursor", 0), limit + 1)
        key = self.fields[0].name
        return Page(rows[:limit], str(rows[limit - 1][key]) if len(rows) > limit else None)

    def stream(self, session: Session, filters: dict[str, Any]) -> Iterator[Row]:
        after = 0
        while True:
            rows = self.fetch(session, filters, after, STREAM_BATCH)
            yield from rows
            if len(rows) < STREAM_BATCH:
                return
            after = rows[-1][self.fields[0].name]

    def csv_lines(self, session: Session, filters: dict[str, Any]) -> Iterator[str]:
        """The header, then one CSV line per row, read a batch at a time."""
        line = CsvLines()
        yield line([field.name for field in self.fields])
        for row in self.stream(session, filters):
            yield line([csv_cell(row[field.name]) for field in self.fields])

    def as_json(self, row: Row) -> Row:
        return {field.name: json_value(row[field.name]) for field in self.fields}


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def json_value(value: Any) -> Any:
    return iso(value) if isinstance(value, dt.datetime) else value


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, list):
        return ",".join(value)
    return formula_safe(str(value))
