"""What the module page shows about the agent, read lean: one prepared Core query, plain values back.

The module page is the page agents load most. Its reads skip the ORM (no identity map, no objects
built for rows the page only glances at) and use statements built once at import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, literal_column, select

from lms.content.catalog import Catalog, Exam, Module
from lms.driver_query import DriverQuery
from lms.models import Attempt, ModuleProgress
from lms.services import sessions


@dataclass(frozen=True)
class Progress:
    completed_at: dt.datetime | None
    seconds_spent: int


@dataclass(frozen=True)
class ModulePage:
    module: Module
    progress: Progress | None
    exam_passed: bool
    position: int  # its place in the track, from 1 ("Module 3 of 6")
    track_size: int

    @property
    def completed(self) -> bool:
        return self.progress is not None and self.progress.completed_at is not None


def _counted(*columns: Any) -> Any:
    return select(*columns).where(Attempt.user_id == bindparam("who"), Attempt.exam_key == bindparam("exam"),
                                  Attempt.status == "submitted", Attempt.reset_at.is_(None),
                                  Attempt.percent.is_not(None))


# The result that counts by each grading method, as standings.result_of computes it from the scores.
_RESULT = {
    "highest": _counted(func.max(Attempt.percent)).scalar_subquery(),
    "average": _counted(func.avg(Attempt.percent)).scalar_subquery(),
    "first": _counted(Attempt.percent).order_by(Attempt.number).limit(1).scalar_subquery(),
    "last": _counted(Attempt.percent).order_by(Attempt.number.desc()).limit(1).scalar_subquery(),
}


# The agent's progress row at the module, or NULLs when there is none: one row always, so the page's other
# values ride on it as columns. Joined once rather than a scalar subquery per column, which looked the row
# up three times (on PostgreSQL about 8 µs of the server's CPU a page).
_ONE_ROW = select(literal_column("1")).subquery("one_row")
_WITH_PROGRESS = _ONE_ROW.outerjoin(ModuleProgress, and_(ModuleProgress.user_id == bindparam("who"),
                                                          ModuleProgress.module_key == bindparam("module")))


def _page_read(*columns: Any) -> DriverQuery:
    return DriverQuery(select(*columns, ModuleProgress.completed_at, ModuleProgress.seconds_spent,
                              ModuleProgress.user_id.label("seen")).select_from(_WITH_PROGRESS))


# One statement (one round trip) per page: the progress row's two columns (and whether it exists), and the
# exam's result when the module has an exam.
_PAGE = {grading: _page_read(result.label("result")) for grading, result in _RESULT.items()}
_PROGRESS_ONLY = _page_read()
# The same, with the role of who is signed in while a session cookie's claim holds (else NULL).
_ROLE = sessions.claimed_role().label("role")
_PAGE_IF_SIGNED_IN = {grading: _page_read(_ROLE, result.label("result")) for grading, result in _RESULT.items()}
_PROGRESS_ONLY_IF_SIGNED_IN = _page_read(_ROLE)


def module_page(connection: Connection, catalog: Catalog, user_id: int, module: Module) -> ModulePage:
    exam = catalog.exams.get(module.exam_key) if module.exam_key else None
    params = {"who": user_id, "module": module.key}
    if exam is None:
        return _page(catalog, module, None, _PROGRESS_ONLY.one(connection, params))
    return _page(catalog, module, exam, _PAGE[exam.grading].one(connection, {**params, "exam": exam.key}))


def module_page_if_signed_in(connection: Connection, catalog: Catalog, claim: sessions.Claim,
                             module: Module) -> tuple[str, ModulePage] | None:
    """The claimed account's role and its page, as `identity_for` and `module_page` read them, in one
    statement (on PostgreSQL a round trip fewer); None when the claim no longer holds."""
    exam = catalog.exams.get(module.exam_key) if module.exam_key else None
    params = {**claim.params(), "who": claim.user_id, "module": module.key}
    if exam is None:
        row = _PROGRESS_ONLY_IF_SIGNED_IN.one(connection, params)
    else:
        row = _PAGE_IF_SIGNED_IN[exam.grading].one(connection, {**params, "exam": exam.key})
    return None if row.role is None else (row.role, _page(catalog, module, exam, row))


def _page(catalog: Catalog, module: Module, exam: Exam | None, row: Any) -> ModulePage:
    passed = False
    if exam is not None:
        result = None if row.result is None else round(float(row.result), 2)
        passed = result is not None and result >= exam.pass_percent
    progress = Progress(row.completed_at, row.seconds_spent) if row.seen is not None else None
    siblings = catalog.modules_of(catalog.tracks[module.track_key])
    return ModulePage(module, progress, passed, siblings.index(module) + 1, len(siblings))
