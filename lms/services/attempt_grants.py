"""Attempts used up without a pass: which exams are locked for an agent, and an admin's grant of one more."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import events
from lms.content.catalog import Catalog, Exam
from lms.db import UnitOfWork
from lms.models import Attempt, AttemptGrant, User
from lms.services.errors import RuleError
from lms.services.standings import Standing, standing


class KeySeen(RuleError):
    """The agent has already been shown the answer key; granting another attempt needs a confirmation."""


def locked_exams(session: Session, catalog: Catalog, user_id: int) -> list[Standing]:
    """The exams whose attempts this agent used up without passing (only an admin can grant another)."""
    exam_keys = sorted(session.scalars(select(Attempt.exam_key).where(Attempt.user_id == user_id).distinct()))
    found = []
    for key in exam_keys:
        exam = catalog.exams.get(key)
        if exam is not None:
            current = standing(session, exam, user_id)
            if current.locked:
                found.append(current)
    return found


def grant_attempt(uow: UnitOfWork, exam: Exam, user_id: int, admin_id: int | None, reason: str = "",
                  even_after_review: bool = False) -> None:
    """One more attempt for an agent who used every attempt without passing.

    When the exam's review policy already showed this agent the answer key (after each attempt, or
    after the last), another attempt could be passed from memory: the grant is refused with KeySeen
    unless the admin confirms it (`even_after_review`), which the audit log records.
    """
    with uow.write() as session:
        session.execute(select(User.id).where(User.id == user_id).with_for_update())
        current = standing(session, exam, user_id)
        if not current.locked:
            raise RuleError("An extra attempt can only be granted once every attempt is used without a pass.")
        if not reason.strip():
            raise RuleError("Say why you grant the extra attempt; the reason goes to the audit log.")
        if current.key_shown and not even_after_review:
            raise KeySeen("This agent has already been able to review their attempts with the correct answers "
                          "(the exam shows them after the last attempt), so another attempt could be passed from "
                          "memory. Grant it only if you accept that.")
        session.add(AttemptGrant(user_id=user_id, exam_key=exam.key, granted_by_id=admin_id, reason=reason))
        events.emit(session, "attempt.granted", actor_id=admin_id, subject_user_id=user_id, exam=exam.key,
                    reason=reason, after_review=current.key_shown)
