"""CSV imports in two steps: plan (read, check, compare with the database; writes nothing), then apply.

The `lms` import commands and the admin's upload pages run the same importers through the same two
steps, so a file is judged by one set of rules wherever it comes from. A preview shows a plan.
Applying plans again inside the write transaction and, when given the digest of the plan that was
shown, refuses to write anything if the new plan differs from it: an admin confirms exactly what is
written, even when the database changed between the preview and the confirmation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from lms import events
from lms.db import Base, UnitOfWork
from lms.services.csvfiles import read_rows
from lms.services.errors import RuleError

LOOKUP_CHUNK = 500  # keys per IN (...) when comparing a file with the database
Key = tuple[Any, ...]


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    def summary(self) -> str:
        return (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                f"{len(self.rejected)} rejected")


@dataclass(frozen=True)
class Importer:
    """One kind of CSV import: its columns, the rows it writes, and how a row is read and named."""

    name: str  # in URLs and audit entries: registry, completions, hod
    title: str
    columns: tuple[str, ...]
    model: type[Base]  # the ORM class a row becomes; the first key field is indexed
    key_fields: tuple[str, ...]
    parse: Callable[[dict[str, str]], dict[str, Any]]  # model values of one row; ValueError says why not
    describe: Callable[[dict[str, Any]], str]  # how a row is named in messages: "npn 1234567 in py2021"
    event: str

    @property
    def table(self) -> Table:
        return cast(Table, self.model.__table__)


class PlanChanged(RuleError):
    """The file would now change something other than what the preview showed; nothing was written."""


@dataclass(frozen=True)
class Change:
    """One row that would be added (before is None) or updated."""

    line: int
    name: str  # the row's name in messages
    values: dict[str, Any]
    before: dict[str, Any] | None = None

    @property
    def changed_fields(self) -> tuple[str, ...]:
        return tuple(name for name, value in self.values.items()
                     if self.before is not None and self.before.get(name) != value)


@dataclass(frozen=True)
class ImportPlan:
    """What importing a file would do; computed without writing."""

    importer: Importer
    file_sha256: str
    rows: int  # data rows read (blank lines are not rows)
    changes: tuple[Change, ...]  # in file order
    unchanged: int
    rejected: tuple[tuple[int, str], ...]

    @property
    def added(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.before is None)

    @property
    def updated(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.before is not None)

    @property
    def digest(self) -> str:
        """Names this plan: the file and every value it would write, and the rows it would leave out."""
        payload = [self.file_sha256, [[c.line, c.before is None, c.values] for c in self.changes],
                   self.unchanged, list(self.rejected)]
        return hashlib.sha256(json.dumps(payload, default=_plain, sort_keys=True).encode()).hexdigest()

    def report(self) -> ImportReport:
        return ImportReport(len(self.added), len(self.updated), self.unchanged, list(self.rejected))


def _plain(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot name {value!r} in a plan digest")


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plan(session: Session, importer: Importer, data: bytes) -> ImportPlan:
    """What importing `data` would change. Raises CsvFileError for a file that cannot be imported at all."""
    rows = read_rows(data, importer.columns)
    rejected: list[tuple[int, str]] = []
    seen: dict[Key, int] = {}
    parsed: list[tuple[int, Key, dict[str, Any]]] = []
    for row in rows:
        if row.problem:
            rejected.append((row.line, row.problem))
            continue
        try:
            values = importer.parse(row.values)
        except ValueError as exc:
            rejected.append((row.line, str(exc)))
            continue
        key = tuple(values[name] for name in importer.key_fields)
        if key in seen:
            rejected.append((row.line, f"{importer.describe(values)} already appears on line {seen[key]}"))
            continue
        seen[key] = row.line
        parsed.append((row.line, key, values))
    existing = _existing(session, importer, list(seen), tuple(parsed[0][2]) if parsed else ())
    changes: list[Change] = []
    unchanged = 0
    for line, key, values in parsed:
        before = existing.get(key)
        if before == values:
            unchanged += 1
        else:
            changes.append(Change(line, importer.describe(values), values, before))
    return ImportPlan(importer, file_sha256(data), len(rows), tuple(changes), unchanged, tuple(rejected))


def _existing(session: Session, importer: Importer, keys: list[Key], fields: tuple[str, ...]) -> dict[Key, dict]:
    """The stored values of the rows under these keys, looked up a chunk at a time by the indexed first key
    field (plain rows, not ORM objects: a national registry has hundreds of thousands)."""
    table = importer.table
    first = importer.key_fields[0]
    firsts = sorted({key[0] for key in keys})
    wanted = set(keys)
    found: dict[Key, dict] = {}
    for start in range(0, len(firsts), LOOKUP_CHUNK):
        chunk = firsts[start:start + LOOKUP_CHUNK]
        for row in session.execute(select(*(table.c[name] for name in fields)).where(table.c[first].in_(chunk))):
            values = dict(row._mapping)
            key = tuple(values[name] for name in importer.key_fields)
            if key in wanted:
                found[key] = values
    return found


def apply(uow: UnitOfWork, importer: Importer, data: bytes, *, expected_digest: str | None = None,
          actor_id: int | None = None, file_name: str | None = None) -> ImportPlan:
    """Write what the file changes in one transaction, audited; bad rows are skipped and reported.

    With `expected_digest` (the plan an admin previewed), nothing is written unless the plan made now
    is that same plan. Raises CsvFileError for a file that cannot be imported at all.
    """
    with uow.write() as session:
        _serialise(session, importer)
        found = plan(session, importer, data)
        if expected_digest is not None and found.digest != expected_digest:
            raise PlanChanged("What this file would change is no longer what the preview showed (the data changed "
                              "since); nothing was imported. Check the new preview and confirm again.")
        _write(session, importer, found)
        events.emit(session, importer.event, actor_id=actor_id, file_sha256=found.file_sha256,
                    file_name=file_name, rows=found.rows, added=len(found.added), updated=len(found.updated),
                    unchanged=found.unchanged, rejected=len(found.rejected))
    return found


def _write(session: Session, importer: Importer, found: ImportPlan) -> None:
    """Many rows per statement; the columns' own defaults (imported_at, updated_at) still apply."""
    table = importer.table
    added = [change.values for change in found.added]
    if added:
        session.execute(insert(table), added)
    updated = found.updated
    if updated:
        where = [table.c[name] == bindparam(f"key_{name}") for name in importer.key_fields]
        session.execute(update(table).where(*where),
                        [{**change.values, **{f"key_{name}": change.values[name] for name in importer.key_fields}}
                         for change in updated])


def _serialise(session: Session, importer: Importer) -> None:
    """One import of a kind at a time on PostgreSQL (SQLite's write transaction already holds the lock),
    so two admins confirming at once cannot both add the same row."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": zlib.crc32(f"lms-import:{importer.name}".encode())})
