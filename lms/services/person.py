"""Everything an admin sees about one person: profile and registry, tracker, attempts, progress, records, log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content import Catalog, Program
from lms.content.catalog import Exam
from lms.models import (
    AgentProfile,
    AgreementAcceptance,
    Attempt,
    AuditEntry,
    Certificate,
    ModuleProgress,
    ProducerRecord,
    User,
)
from lms.services import acceptances, audit, certificates, exams, registration
from lms.services.errors import NotFound
from lms.services.npn import NPN_STATUS_WORDS
from lms.services.review import ReviewItem, review_items
from lms.services.standings import Standing

AUDIT_ROWS = 200


@dataclass(frozen=True)
class AttemptRow:
    attempt: Attempt
    exam_title: str

    @property
    def counted(self) -> bool:
        return self.attempt.reset_at is None

    @property
    def time_taken(self) -> dt.timedelta | None:
        if self.attempt.submitted_at is None:
            return None
        return self.attempt.submitted_at - self.attempt.started_at


@dataclass(frozen=True)
class ModuleRow:
    progress: ModuleProgress
    title: str  # the module's title, or its key when the content no longer has it


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    actor: str  # a name (or email), "the agent", or "the system"


@dataclass(frozen=True)
class Person:
    user: User
    producer: ProducerRecord | None
    npn_words: str | None
    tracker: registration.RegistrationStatus | None
    exams: tuple[Standing, ...]  # every exam the agent attempted, as it stands (grant and reset act on these)
    attempts: tuple[AttemptRow, ...]
    modules: tuple[ModuleRow, ...]
    acceptances: tuple[AgreementAcceptance, ...]
    certificates: tuple[Certificate, ...]
    audit: tuple[AuditRow, ...]


def display_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Each account's name as the agent gave it, else its email (one query for any number of ids)."""
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.email, AgentProfile.first_name, AgentProfile.last_name)
                           .outerjoin(AgentProfile, AgentProfile.user_id == User.id).where(User.id.in_(user_ids)))
    names = {}
    for user_id, email, first, last in rows:
        name = f"{first or ''} {last or ''}".strip()
        names[user_id] = f"{name} ({email})" if name else email
    return names


def audit_rows(session: Session, user_id: int, limit: int = AUDIT_ROWS) -> list[AuditRow]:
    entries = audit.entries_for(session, user_id, limit)
    names = display_names(session, {entry.actor_id for entry in entries if entry.actor_id is not None})
    rows = []
    for entry in entries:
        if entry.actor_id is None:
            actor = "the system (or the lms command)"
        else:
            actor = names.get(entry.actor_id, f"a deleted account (#{entry.actor_id})")
        rows.append(AuditRow(entry, actor))
    return rows


def person(session: Session, catalog: Catalog, program: Program | None, user_id: int) -> Person:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such account.")
    profile = user.profile
    producer = session.get(ProducerRecord, profile.npn) if profile and profile.npn else None
    tracker = registration.registration_status(session, catalog, user, program) if program else None
    attempts = list(session.scalars(select(Attempt).where(Attempt.user_id == user_id)
                                    .order_by(Attempt.exam_key, Attempt.number)))
    titles = {key: exam.title for key, exam in catalog.exams.items()}
    standings = [exams.standing(session, catalog.exams[key], user_id)
                 for key in sorted({attempt.exam_key for attempt in attempts}) if key in catalog.exams]
    modules = session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == user_id)
                              .order_by(ModuleProgress.first_seen_at, ModuleProgress.id))
    return Person(
        user=user, producer=producer,
        npn_words=NPN_STATUS_WORDS[profile.npn_status] if profile and profile.npn else None,
        tracker=tracker, exams=tuple(standings),
        attempts=tuple(AttemptRow(attempt, titles.get(attempt.exam_key, attempt.exam_key)) for attempt in attempts),
        modules=tuple(ModuleRow(row, catalog.modules[row.module_key].title if row.module_key in catalog.modules
                                else row.module_key) for row in modules),
        acceptances=tuple(acceptances.acceptances_of(session, user_id)),
        certificates=tuple(certificates.for_user(session, user_id)),
        audit=tuple(audit_rows(session, user_id)))


@dataclass(frozen=True)
class AttemptAnswers:
    """One attempt with the answers given beside the key, as the exam version it was taken on had it."""

    user: User
    attempt: Attempt
    exam: Exam
    items: tuple[ReviewItem, ...]


def attempt_answers(session: Session, user_id: int, attempt_id: int) -> AttemptAnswers:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such account.")
    attempt = exams.attempt_for(session, attempt_id, user_id)
    version, layout = exams.attempt_exam(session, attempt)
    return AttemptAnswers(user, attempt, version,
                          tuple(review_items(version, layout, attempt.answers or {}, attempt.results or {})))
