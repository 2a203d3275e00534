"""What the module page shows about the agent, read lean: two prepared Core queries, plain values back.

The module page is the page agents load most. Its reads skip the ORM (no identity map, no objects
built for rows the page only glances at) and use statements built once at import.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from lms.content.catalog import Catalog, Module
from lms.models import Attempt, ModuleProgress
from lms.services.standings import result_of


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


_PROGRESS = (select(ModuleProgress.completed_at, ModuleProgress.seconds_spent)
             .where(ModuleProgress.user_id == bindparam("who"), ModuleProgress.module_key == bindparam("module")))
# Scores of the attempts that count, in the order taken: what the exam's grading method needs.
_SCORES = (select(Attempt.percent)
           .where(Attempt.user_id == bindparam("who"), Attempt.exam_key == bindparam("exam"),
                  Attempt.status == "submitted", Attempt.reset_at.is_(None))
           .order_by(Attempt.number))


def module_page(session: Session, catalog: Catalog, user_id: int, module: Module) -> ModulePage:
    connection: Any = session.connection()
    row = connection.execute(_PROGRESS, {"who": user_id, "module": module.key}).first()
    progress = Progress(row.completed_at, row.seconds_spent) if row is not None else None
    exam = catalog.exams.get(module.exam_key) if module.exam_key else None
    passed = False
    if exam is not None:
        percents = [percent for percent in connection.execute(_SCORES, {"who": user_id, "exam": exam.key}).scalars()
                    if percent is not None]
        result = result_of(exam.grading, percents)
        passed = result is not None and result >= exam.pass_percent
    siblings = catalog.modules_of(catalog.tracks[module.track_key])
    return ModulePage(module, progress, passed, siblings.index(module) + 1, len(siblings))
