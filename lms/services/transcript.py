"""An agent's transcript: every program they worked in, its tracks, modules and exams, with dates and scores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content import Catalog, Program, Registration, Track
from lms.models import Attempt, ModuleProgress, RegistrationCompletion, TrackCompletion, User
from lms.services import programs, standings
from lms.services.progress import ModuleState, TrackProgress, track_progress
from lms.services.shared_reads import shared_reads


def passed_on(standing: standings.Standing) -> dt.datetime | None:
    """When the result that counts last turned into a pass (under `highest`, the first passing attempt)."""
    if not standing.passed:
        return None
    since, so_far = None, []
    for attempt in standing.submitted:
        so_far.append(attempt)
        percent = standings.standing_result(standing.exam.grading, so_far)
        if percent is None or percent < standing.exam.pass_percent:
            since = None
        elif since is None:
            since = attempt.submitted_at
    return since


@dataclass(frozen=True)
class ExamRecord:
    standing: standings.Standing

    @property
    def title(self) -> str:
        return self.standing.exam.title

    @property
    def attempts(self) -> int:
        """Attempts submitted (an attempt still open is not a result yet)."""
        return len(self.standing.submitted)

    @property
    def allowed(self) -> int | None:
        return self.standing.allowed

    @property
    def best(self) -> Attempt | standings.AttemptSummary | None:
        scored = [attempt for attempt in self.standing.submitted if attempt.percent is not None]
        return max(scored, key=lambda attempt: attempt.percent or 0.0, default=None)

    @property
    def passed_on(self) -> dt.datetime | None:
        return passed_on(self.standing)


@dataclass(frozen=True)
class ModuleRecord:
    state: ModuleState

    @property
    def title(self) -> str:
        return self.state.module.title

    @property
    def completed_on(self) -> dt.datetime | None:
        return self.state.progress.completed_at if self.state.progress else None

    @property
    def seconds_spent(self) -> int:
        return self.state.progress.seconds_spent if self.state.progress else 0

    @property
    def exam(self) -> ExamRecord | None:
        return ExamRecord(self.state.standing) if self.state.standing is not None else None


@dataclass(frozen=True)
class TrackRecord:
    progress: TrackProgress
    completed_on: dt.datetime | None

    @property
    def track(self) -> Track:
        return self.progress.track

    @property
    def modules(self) -> tuple[ModuleRecord, ...]:
        return tuple(ModuleRecord(state) for state in self.progress.modules)

    @property
    def seconds_spent(self) -> int:
        return sum(module.seconds_spent for module in self.modules)


@dataclass(frozen=True)
class RegistrationRecord:
    registration: Registration
    completion: RegistrationCompletion | None


@dataclass(frozen=True)
class ProgramRecord:
    program: Program
    registrations: tuple[RegistrationRecord, ...]
    tracks: tuple[TrackRecord, ...]

    @property
    def seconds_spent(self) -> int:
        return sum(track.seconds_spent for track in self.tracks)


@dataclass(frozen=True)
class Transcript:
    name: str  # the legal name on the profile; empty before the profile is filled in
    npn: str | None
    email: str
    programs: tuple[ProgramRecord, ...]
    generated_at: dt.datetime


def _programs_with_records(session: Session, catalog: Catalog, user_id: int) -> set[str]:
    keys = set(session.scalars(select(TrackCompletion.program_key).where(TrackCompletion.user_id == user_id)))
    keys |= set(session.scalars(select(RegistrationCompletion.program_key)
                                .where(RegistrationCompletion.user_id == user_id)))
    modules = [catalog.modules.get(key) for key in session.scalars(
        select(ModuleProgress.module_key).where(ModuleProgress.user_id == user_id))]
    modules += [catalog.module_for_exam(key) for key in session.scalars(
        select(Attempt.exam_key).where(Attempt.user_id == user_id).distinct())]
    for module in modules:
        track = catalog.tracks.get(module.track_key) if module else None
        if track is not None:
            keys.add(track.program_key)
    return keys


def transcript(session: Session, catalog: Catalog, user: User, today: dt.date, now: dt.datetime) -> Transcript:
    """The current program and every other program the agent has records in, newest first.

    Every track of those programs is listed, started or not, so the transcript also shows what is left.
    """
    current = programs.current_program(session, catalog, today)
    wanted = _programs_with_records(session, catalog, user.id) | ({current.key} if current else set())
    finished = {row.track_key: row.completed_at for row in session.scalars(
        select(TrackCompletion).where(TrackCompletion.user_id == user.id))}
    completions = {(row.program_key, row.registration_key): row for row in session.scalars(
        select(RegistrationCompletion).where(RegistrationCompletion.user_id == user.id))}
    records = []
    with shared_reads(session):  # every track's progress from the agent's rows, read once
        for program in catalog.programs_newest_first():
            if program.key not in wanted:
                continue
            tracks = tuple(TrackRecord(track_progress(session, catalog, user.id, track), finished.get(track.key))
                           for track in catalog.tracks_of(program))
            registrations = tuple(RegistrationRecord(registration, completions.get((program.key, registration.key)))
                                  for registration in program.registrations)
            records.append(ProgramRecord(program, registrations, tracks))
    profile = user.profile
    return Transcript(profile.full_name if profile else "", profile.npn if profile else None, user.email,
                      tuple(records), now)
