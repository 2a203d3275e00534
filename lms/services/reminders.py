"""Reminders before Open Enrollment to agents whose registration is not complete: each one once.

`lms remind` (from cron, daily) sends the reminder due today: the one for the nearest configured
number of days before Open Enrollment that has been reached. A reminder is recorded per agent,
program and kind in the same transaction as its email event, so it never goes twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import events
from lms.content import Catalog, Program
from lms.db import UnitOfWork
from lms.models import ReminderSent, User
from lms.services import registration


@dataclass(frozen=True)
class Reminder:
    user_id: int
    email: str
    kind: str
    steps_left: tuple[str, ...]


def due_kind(program: Program, today: dt.date, days_before: list[int]) -> str | None:
    """`oe-14` when today is 14 or fewer (but more than the next interval) days before Open Enrollment."""
    if program.open_enrollment is None or today >= program.open_enrollment:
        return None
    left = (program.open_enrollment - today).days
    reached = [days for days in days_before if left <= days]
    return f"oe-{min(reached)}" if reached else None


def due(uow: UnitOfWork, catalog: Catalog, program: Program, today: dt.date, days_before: list[int]) -> list[Reminder]:
    """Who gets a reminder today and what it says; nothing is written."""
    kind = due_kind(program, today, days_before)
    if kind is None:
        return []
    session = uow.session
    sent = set(session.scalars(select(ReminderSent.user_id).where(ReminderSent.program_key == program.key,
                                                                    ReminderSent.kind == kind)))
    found = []
    for user in session.scalars(select(User).where(User.role == "learner", User.email_confirmed_at.is_not(None))
                                .order_by(User.id)):
        if user.id in sent:
            continue
        status = registration.registration_status(session, catalog, user, program)
        if status.complete:
            continue
        needs = status.registrations[0].needs if status.registrations else ()
        left = tuple(step.title for step in status.steps if step.key in needs and not step.done)
        found.append(Reminder(user.id, user.email, kind, left))
    return found


def send(uow: UnitOfWork, program: Program, reminders: list[Reminder]) -> int:
    """Record and queue each reminder (its email goes out through the outbox); a repeat is skipped."""
    sent = 0
    for reminder in reminders:
        try:
            with uow.write() as session:
                session.add(ReminderSent(user_id=reminder.user_id, program_key=program.key, kind=reminder.kind))
                session.flush()
                events.emit(session, "registration.reminder", actor_id=None, subject_user_id=reminder.user_id,
                            program=program.key, kind=reminder.kind, steps=list(reminder.steps_left),
                            open_enrollment=program.open_enrollment.isoformat() if program.open_enrollment else "")
            sent += 1
        except IntegrityError:  # another `lms remind` sent it a moment ago
            continue
    return sent
