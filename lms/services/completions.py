"""Completions of earlier plan years, from our own records or imported for years run elsewhere."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.db import UnitOfWork
from lms.models import PriorCompletion
from lms.services.csvfiles import CsvRow, read_rows
from lms.services.npn import npn_problem
from lms.services.registry import ImportReport

REQUIRED_COLUMNS = ("npn", "program", "completed_on")
_PROGRAM_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def import_completions(uow: UnitOfWork, data: bytes) -> ImportReport:
    """Upsert (npn, program) completions; bad rows are listed by line and skipped."""
    rows = read_rows(data, REQUIRED_COLUMNS)
    with uow.write() as session:
        return _upsert_completions(session, rows)


def _upsert_completions(session: Session, rows: list[CsvRow]) -> ImportReport:
    report = ImportReport()
    seen: dict[tuple[str, str], int] = {}
    for csv_row in rows:
        line, row = csv_row.line, csv_row.values
        if csv_row.problem:
            report.rejected.append((line, csv_row.problem))
            continue
        npn, program = row["npn"].strip(), row["program"].strip().lower()
        problem = npn_problem(npn)
        if problem:
            report.rejected.append((line, f"npn '{npn}': {problem}"))
            continue
        if not _PROGRAM_KEY.match(program):
            report.rejected.append((line, f"program '{row['program']}' is not a program key such as py2021"))
            continue
        try:
            completed_on = dt.date.fromisoformat(row["completed_on"].strip())
        except ValueError:
            report.rejected.append((line, f"completed_on '{row['completed_on']}' is not a date like 2021-09-30"))
            continue
        if (npn, program) in seen:
            report.rejected.append((line, f"npn {npn} in {program} already appears on line {seen[npn, program]}"))
            continue
        seen[npn, program] = line
        existing = session.scalar(select(PriorCompletion).where(PriorCompletion.npn == npn,
                                                                PriorCompletion.program_key == program))
        if existing is None:
            session.add(PriorCompletion(npn=npn, program_key=program, completed_on=completed_on))
            report.added += 1
        elif existing.completed_on != completed_on:
            existing.completed_on = completed_on
            report.updated += 1
        else:
            report.unchanged += 1
    return report
