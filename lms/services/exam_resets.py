"""An admin resets an exam for an agent: the attempts stay for history and stop counting.

After a reset the agent has the exam's full number of attempts again; grants made for the
attempts before it stop counting too (they were extra attempts on top of those). A pass is never
taken away: an agent who passed has nothing to reset.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from lms import events
from lms.content.catalog import Exam
from lms.db import UnitOfWork
from lms.models import Attempt, AttemptGrant, User
from lms.services.errors import NotFound, RuleError
from lms.services.standings import standing


def reset_exam(uow: UnitOfWork, exam: Exam, user_id: int, admin_id: int | None, reason: str,
               now: dt.datetime) -> int:
    """Stop counting the agent's attempts (and grants) at this exam; how many attempts were reset.

    An attempt still open is reset with the others: it can be submitted and is scored for the record,
    but it counts for nothing (the agent starts afresh).
    """
    reason = reason.strip()
    if not reason:
        raise RuleError("Say why you reset the exam; the reason goes to the audit log.")
    with uow.write() as session:
        # The same row lock as starting an attempt and granting one: a reset never interleaves with them.
        if session.scalar(select(User.id).where(User.id == user_id).with_for_update()) is None:
            raise NotFound("There is no such account.")
        current = standing(session, exam, user_id)
        if current.passed:
            raise RuleError(f"This agent passed “{exam.title}”; a reset would take that pass away, so it is refused.")
        if not current.attempts:
            raise RuleError(f"This agent has no attempts at “{exam.title}” to reset.")
        mine = (Attempt.user_id == user_id, Attempt.exam_key == exam.key, Attempt.reset_at.is_(None))
        session.execute(update(Attempt).where(*mine).values(reset_at=now)
                        .execution_options(synchronize_session="fetch"))
        session.execute(update(AttemptGrant).where(AttemptGrant.user_id == user_id, AttemptGrant.exam_key == exam.key,
                                                   AttemptGrant.reset_at.is_(None)).values(reset_at=now)
                        .execution_options(synchronize_session="fetch"))
        events.emit(session, "attempt.reset", actor_id=admin_id, subject_user_id=user_id, exam=exam.key,
                    reason=reason, numbers=[attempt.number for attempt in current.attempts])
    return len(current.attempts)
