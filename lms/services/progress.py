"""Module progress, seat time and track completion."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content import Catalog, Module, Track
from lms.db import UnitOfWork
from lms.models import Attempt, ModuleProgress
from lms.services import seat_time, standings


def heartbeat(uow: UnitOfWork, user_id: int, module_key: str, opened_at: dt.datetime | None,
              now: dt.datetime) -> None:
    """The module page is open and visible (player.js says so every minute)."""
    # Not waiting for the disk (see UnitOfWork.write): the next heartbeat counts the time again.
    seat_time.count(uow, user_id, module_key, opened_at, now, seat_time.HEARTBEAT_CAP)


@dataclass(frozen=True)
class ModuleState:
    module: Module
    progress: ModuleProgress | None
    standing: standings.Standing | None  # None when the module has no exam
    exam_available: bool
    position: int = 0  # its place in the track, from 1 ("Module 3 of 6")
    track_size: int = 0

    @property
    def completed(self) -> bool:
        return self.progress is not None and self.progress.completed_at is not None

    @property
    def exam_passed(self) -> bool:
        return self.standing is not None and self.standing.passed

    @property
    def done(self) -> bool:
        return self.completed and (self.module.exam_key is None or self.exam_passed)

    @property
    def started(self) -> bool:
        return self.progress is not None or (self.standing is not None and self.standing.used > 0)


@dataclass(frozen=True)
class TrackProgress:
    track: Track
    modules: tuple[ModuleState, ...]

    @property
    def modules_done(self) -> int:
        return sum(state.completed for state in self.modules)

    @property
    def exams_total(self) -> int:
        return sum(state.module.exam_key is not None for state in self.modules)

    @property
    def exams_passed(self) -> int:
        return sum(state.exam_passed for state in self.modules)

    @property
    def steps_total(self) -> int:
        return len(self.modules) + self.exams_total

    @property
    def steps_done(self) -> int:
        return self.modules_done + self.exams_passed

    @property
    def percent(self) -> int:
        """Modules read and exams passed, rounded down: 100 only once everything is done."""
        return 100 * self.steps_done // self.steps_total if self.steps_total else 0

    @property
    def minutes_left(self) -> int:
        """Reading time of the modules not read yet, by their authors' estimates (modules without one count 0)."""
        return sum(state.module.minutes or 0 for state in self.modules if not state.completed)

    @property
    def complete(self) -> bool:
        """Every module complete and every exam passed."""
        return bool(self.modules) and all(state.done for state in self.modules)

    @property
    def started(self) -> bool:
        return any(state.started for state in self.modules)

    @property
    def locked_exams(self) -> list[ModuleState]:
        return [state for state in self.modules if state.standing is not None and state.standing.locked]

    @property
    def next_step(self) -> ModuleState | None:
        """The first module not finished: unread, or its exam not yet passed."""
        return next((state for state in self.modules if not state.done), None)


def track_progress(session: Session, catalog: Catalog, user_id: int, track: Track) -> TrackProgress:
    modules = catalog.modules_of(track)
    keys = [module.key for module in modules]
    rows = {row.module_key: row for row in session.scalars(
        select(ModuleProgress).where(ModuleProgress.user_id == user_id, ModuleProgress.module_key.in_(keys)))}
    exam_keys = [module.exam_key for module in modules if module.exam_key]
    attempts: dict[str, list[Attempt]] = {key: [] for key in exam_keys}
    for attempt in session.scalars(select(Attempt).where(Attempt.user_id == user_id, Attempt.exam_key.in_(exam_keys),
                                                         standings.counted()).order_by(Attempt.number)):
        attempts[attempt.exam_key].append(attempt)
    grants = standings.granted_attempts(session, user_id, exam_keys) if exam_keys else {}
    states = []
    for position, module in enumerate(modules, start=1):
        exam = catalog.exams.get(module.exam_key) if module.exam_key else None
        standing = standings.standing(session, exam, user_id, attempts[exam.key], grants) if exam else None
        states.append(ModuleState(module, rows.get(module.key), standing, exam is not None, position, len(modules)))
    return TrackProgress(track, tuple(states))


def exam_attempted(session: Session, catalog: Catalog, user_id: int, track: Track) -> bool:
    exam_keys = [module.exam_key for module in catalog.modules_of(track) if module.exam_key]
    query = select(Attempt.id).where(Attempt.user_id == user_id, Attempt.exam_key.in_(exam_keys),
                                     standings.counted()).limit(1)
    return bool(exam_keys) and session.scalar(query) is not None
