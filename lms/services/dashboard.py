"""A program's dashboard: the registration funnel, exam pass rates, training time and completions per day.

Every figure is one grouped SQL query over indexed columns, so the page costs the same few
queries for twenty agents or twenty thousand. The funnel is cumulative: each step counts the
agents who reached it and every step before it, in the order the Registration Tracker shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true, union_all
from sqlalchemy.orm import Session

from lms.content import Catalog, Program
from lms.content.catalog import Exam, Track
from lms.models import (
    AgentProfile,
    AgreementAcceptance,
    Attempt,
    ModuleProgress,
    RegistrationCompletion,
    TrackCompletion,
    User,
)
from lms.services.aggregates import as_date, dialect_of, medians, seconds_between, share, utc_day


@dataclass(frozen=True)
class Stage:
    key: str
    title: str
    agents: int
    of_start: float | None  # share of those who signed up
    of_previous: float | None  # share of the step before


@dataclass(frozen=True)
class ExamFigures:
    exam: Exam
    agents: int  # agents with a submitted attempt
    passed: int  # agents with a passing attempt
    attempts: int
    attempts_to_pass: float | None  # the mean number of the first passing attempt

    @property
    def pass_rate(self) -> float | None:
        return share(self.passed, self.agents)


@dataclass(frozen=True)
class TrainingTime:
    completions: int
    median_seconds: float | None


@dataclass(frozen=True)
class Dashboard:
    program: Program
    registration_title: str
    funnel: tuple[Stage, ...]
    exams: tuple[ExamFigures, ...]
    training: TrainingTime
    per_day: tuple[tuple[dt.date, int], ...]  # every day from the first completion to the last

    @property
    def completions(self) -> int:
        return sum(count for _, count in self.per_day)

    @property
    def busiest(self) -> tuple[dt.date, int] | None:
        return max(self.per_day, key=lambda day: day[1]) if self.per_day else None


def training_tracks(catalog: Catalog, program: Program) -> list[Track]:
    """The tracks whose completion is the Marketplace training (the full one and the returning one)."""
    wanted = program.registration_training
    return [track for track in catalog.tracks_of(program) if wanted and track.satisfies == wanted]


def program_exams(catalog: Catalog, program: Program) -> list[Exam]:
    """The program's exams in the order its tracks and modules list them."""
    found: dict[str, Exam] = {}
    for track in catalog.tracks_of(program):
        for module in catalog.modules_of(track):
            if module.exam_key and module.exam_key in catalog.exams:
                found.setdefault(module.exam_key, catalog.exams[module.exam_key])
    return list(found.values())


def dashboard(session: Session, catalog: Catalog, program: Program) -> Dashboard:
    registration = program.registrations[0] if program.registrations else None
    return Dashboard(program, registration.title if registration else "Registration", funnel(session, catalog, program),
                     exam_figures(session, program_exams(catalog, program)), training_time(session, catalog, program),
                     completions_per_day(session, program))


def funnel(session: Session, catalog: Catalog, program: Program) -> tuple[Stage, ...]:
    """Each step's agents. The agents who trained, accepted and completed are each one grouped set,
    joined to the accounts once, so every step is a test of columns rather than a subquery per agent."""
    registration = program.registrations[0] if program.registrations else None
    tracks = [track.key for track in training_tracks(catalog, program)]
    agreements = [catalog.agreements[key] for key in (registration.agreement_keys if registration else ())
                  if key in catalog.agreements]
    trained = (select(TrackCompletion.user_id).where(TrackCompletion.track_key.in_(tracks))
               .group_by(TrackCompletion.user_id).subquery("trained"))
    accepted = (select(AgreementAcceptance.user_id)
                .where(or_(false(), *(and_(AgreementAcceptance.agreement_key == agreement.key,
                                           AgreementAcceptance.version == agreement.version)
                                      for agreement in agreements)))
                .group_by(AgreementAcceptance.user_id)
                .having(func.count(AgreementAcceptance.agreement_key.distinct()) == len(agreements))
                .subquery("accepted"))
    completed = (select(RegistrationCompletion.user_id)
                 .where(RegistrationCompletion.program_key == program.key,
                        RegistrationCompletion.registration_key == (registration.key if registration else ""),
                        RegistrationCompletion.lapsed_at.is_(None))
                 .group_by(RegistrationCompletion.user_id).subquery("completed"))
    steps: list[tuple[str, str, ColumnElement[bool]]] = [
        ("signed_up", "Signed up", true()),
        ("npn", "Profile with a valid NPN", AgentProfile.npn_status == "valid"),
        ("identity", "Identity verified", User.identity_verified_at.is_not(None)),
    ]
    if tracks:
        steps.append(("training", "Training complete", trained.c.user_id.is_not(None)))
    steps.append(("agreements", "Agreements accepted", accepted.c.user_id.is_not(None) if agreements else true()))
    steps.append(("complete", "Registration complete", completed.c.user_id.is_not(None)))
    reached = [and_(*(condition for _, _, condition in steps[:index + 1])) for index in range(len(steps))]
    query = (select(*(func.coalesce(func.sum(case((condition, 1), else_=0)), 0) for condition in reached))
             .select_from(User).outerjoin(AgentProfile, AgentProfile.user_id == User.id)
             .outerjoin(trained, trained.c.user_id == User.id).outerjoin(accepted, accepted.c.user_id == User.id)
             .outerjoin(completed, completed.c.user_id == User.id)
             .where(User.role == "learner"))
    counts = [int(count) for count in session.execute(query).one()]
    return tuple(Stage(key, title, count, share(count, counts[0]), share(count, counts[index - 1]) if index else None)
                 for index, ((key, title, _), count) in enumerate(zip(steps, counts, strict=True)))


def exam_figures(session: Session, exams: list[Exam]) -> tuple[ExamFigures, ...]:
    """Per exam: agents who took it and who passed it, attempts, and attempts it took to pass."""
    if not exams:
        return ()
    per_agent = (select(Attempt.exam_key, func.count().label("taken"),
                        func.min(case((Attempt.passed.is_(True), Attempt.number))).label("first_pass"))
                 .where(Attempt.exam_key.in_([exam.key for exam in exams]), Attempt.status == "submitted")
                 .group_by(Attempt.exam_key, Attempt.user_id).subquery())
    rows = {row.exam_key: row for row in session.execute(
        select(per_agent.c.exam_key, func.count().label("agents"), func.count(per_agent.c.first_pass).label("passed"),
               func.sum(per_agent.c.taken).label("attempts"), func.avg(per_agent.c.first_pass).label("to_pass"))
        .group_by(per_agent.c.exam_key))}
    return tuple(ExamFigures(exam, int(row.agents), int(row.passed), int(row.attempts),
                             None if row.to_pass is None else float(row.to_pass))
                 if (row := rows.get(exam.key)) else ExamFigures(exam, 0, 0, 0, None) for exam in exams)


def training_time(session: Session, catalog: Catalog, program: Program) -> TrainingTime:
    """How long agents took from opening the training's first module to completing the track."""
    parts = []
    for track in training_tracks(catalog, program):
        started = (select(func.min(ModuleProgress.first_seen_at))
                   .where(ModuleProgress.user_id == TrackCompletion.user_id,
                          ModuleProgress.module_key.in_(track.module_keys)).scalar_subquery())
        parts.append(select(seconds_between(TrackCompletion.completed_at, started).label("value"))
                     .where(TrackCompletion.track_key == track.key))
    if not parts:
        return TrainingTime(0, None)
    durations = parts[0] if len(parts) == 1 else union_all(*parts)
    source = durations.subquery()
    count = session.scalar(select(func.count(source.c.value))) or 0
    median = session.scalar(medians(durations, dialect=dialect_of(session))) if count else None
    return TrainingTime(int(count), None if median is None else max(0.0, float(median)))


def completions_per_day(session: Session, program: Program) -> tuple[tuple[dt.date, int], ...]:
    """Completions of the program's first registration per UTC day, with the quiet days in between."""
    if not program.registrations:
        return ()
    day = utc_day(RegistrationCompletion.completed_at).label("day")
    counted = {as_date(found): int(count) for found, count in session.execute(
        select(day, func.count()).where(RegistrationCompletion.program_key == program.key,
                                        RegistrationCompletion.registration_key == program.registrations[0].key)
        .group_by(day))}
    if not counted:
        return ()
    first, last = min(counted), max(counted)
    return tuple((first + dt.timedelta(days=offset), counted.get(first + dt.timedelta(days=offset), 0))
                 for offset in range((last - first).days + 1))
