"""Module progress, seat time and track completion."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from lms.content import Catalog, Module, Track
from lms.db import UnitOfWork
from lms.driver_query import DriverQuery
from lms.models import Attempt, AttemptGrant, ModuleProgress
from lms.services import seat_time, standings
from lms.services.module_page import Progress
from lms.services.sessions import Claim
from lms.services.shared_reads import remembered


def heartbeat(uow: UnitOfWork, user_id: int, module_key: str, opened_at: dt.datetime | None,
              now: dt.datetime) -> None:
    """The module page is open and visible (player.js says so every minute)."""
    # Not waiting for the disk (see UnitOfWork.write): the next heartbeat counts the time again.
    seat_time.count(uow, user_id, module_key, opened_at, now, seat_time.HEARTBEAT_CAP)


def heartbeat_if_signed_in(uow: UnitOfWork, claim: Claim, module_key: str, opened_at: dt.datetime | None,
                           now: dt.datetime) -> bool:
    """`heartbeat` for the agent a session cookie claims, checking the claim in the same statement.
    False when nothing was counted (the claim does not hold, or the module has no row yet)."""
    return seat_time.count_if_signed_in(uow, claim, module_key, opened_at, now, seat_time.HEARTBEAT_CAP)


@dataclass(frozen=True)
class ModuleState:
    module: Module
    progress: Progress | None
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


@dataclass(frozen=True)
class _AgentRows:
    progress: dict[str, Progress]  # by module key
    attempts: dict[str, list[standings.AttemptSummary]]  # counted ones, by exam key, in the order taken
    grants: dict[str, int]  # extra attempts, by exam key


# An agent has a few dozen of these rows over the years, so all of them are read (by the user's index) and
# sorted out here: statements built once, run on the driver, plain rows back (see module_page).
_PROGRESS_ROWS = DriverQuery(select(ModuleProgress.module_key, ModuleProgress.completed_at,
                                    ModuleProgress.seconds_spent).where(ModuleProgress.user_id == bindparam("who")))
_ATTEMPT_ROWS = DriverQuery(select(Attempt.exam_key, *(getattr(Attempt, field.name)
                                                       for field in fields(standings.AttemptSummary)))
                            .where(Attempt.user_id == bindparam("who"), standings.counted())
                            .order_by(Attempt.exam_key, Attempt.number))
_GRANT_ROWS = DriverQuery(select(AttemptGrant.exam_key, func.sum(AttemptGrant.extra_attempts).label("extra"))
                          .where(AttemptGrant.user_id == bindparam("who"), AttemptGrant.reset_at.is_(None))
                          .group_by(AttemptGrant.exam_key))


@remembered
def _agent_rows(session: Session, user_id: int) -> _AgentRows:
    """The agent's progress, counted attempts and grants, in three statements: a page showing several
    tracks (the home page shows four, and unlock conditions ask for others) reads them once."""
    session.flush()  # inside a write, what it changed so far is counted, as the ORM's autoflush would
    connection = session.connection()
    progress = {row.module_key: Progress(row.completed_at, row.seconds_spent)
                for row in _PROGRESS_ROWS.all(connection, {"who": user_id})}
    attempts: dict[str, list[standings.AttemptSummary]] = {}
    for row in _ATTEMPT_ROWS.all(connection, {"who": user_id}):
        attempts.setdefault(row.exam_key, []).append(standings.AttemptSummary(*row[1:]))
    grants = {row.exam_key: int(row.extra) for row in _GRANT_ROWS.all(connection, {"who": user_id})}
    return _AgentRows(progress, attempts, grants)


@remembered
def track_progress(session: Session, catalog: Catalog, user_id: int, track: Track) -> TrackProgress:
    modules = catalog.modules_of(track)
    found = _agent_rows(session, user_id)
    states = []
    for position, module in enumerate(modules, start=1):
        exam = catalog.exams.get(module.exam_key) if module.exam_key else None
        standing = (standings.standing(session, exam, user_id, found.attempts.get(exam.key, []), found.grants)
                    if exam else None)
        states.append(ModuleState(module, found.progress.get(module.key), standing, exam is not None, position,
                                  len(modules)))
    return TrackProgress(track, tuple(states))


_ATTEMPTED = (select(Attempt.id).where(Attempt.user_id == bindparam("who"),
                                       Attempt.exam_key.in_(bindparam("exams", expanding=True)), standings.counted())
              .limit(1))


def exam_attempted(session: Session, catalog: Catalog, user_id: int, track: Track) -> bool:
    exam_keys = [module.exam_key for module in catalog.modules_of(track) if module.exam_key]
    return bool(exam_keys) and session.scalar(_ATTEMPTED, {"who": user_id, "exams": exam_keys}) is not None
