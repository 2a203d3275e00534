"""Completions of earlier plan years, from our own records or imported for years run elsewhere."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from lms.db import UnitOfWork
from lms.models import PriorCompletion
from lms.services.imports import Importer, ImportReport, apply
from lms.services.npn import npn_problem

REQUIRED_COLUMNS = ("npn", "program", "completed_on")
_PROGRAM_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _completion(row: dict[str, str]) -> dict[str, Any]:
    npn, program = row["npn"].strip(), row["program"].strip().lower()
    problem = npn_problem(npn)
    if problem:
        raise ValueError(f"npn '{npn}': {problem}")
    if not _PROGRAM_KEY.match(program):
        raise ValueError(f"program '{row['program']}' is not a program key such as py2021")
    try:
        completed_on = dt.date.fromisoformat(row["completed_on"].strip())
    except ValueError:
        raise ValueError(f"completed_on '{row['completed_on']}' is not a date like 2021-09-30") from None
    return {"npn": npn, "program_key": program, "completed_on": completed_on}


IMPORTER = Importer("completions", "Prior-year completions", REQUIRED_COLUMNS, PriorCompletion,
                    ("npn", "program_key"), _completion,
                    lambda values: f"npn {values['npn']} in {values['program_key']}", "completions.imported")


def import_completions(uow: UnitOfWork, data: bytes) -> ImportReport:
    """Upsert (npn, program) completions; bad rows are listed by line and skipped."""
    return apply(uow, IMPORTER, data).report()
