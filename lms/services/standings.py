"""Where an agent stands on an exam: attempts used and left, result by grading method, review allowed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select
from sqlalchemy.orm import Session

from lms.content.catalog import Exam
from lms.driver_query import DriverQuery
from lms.models import Attempt, AttemptGrant
from lms.services import sessions
from lms.services.sessions import Claim


@dataclass(frozen=True)
class AttemptSummary:
    """An attempt as the exam and result pages list it, read as a plain row (no ORM object)."""

    id: int
    number: int
    status: str
    percent: float | None
    passed: bool | None
    points: float | None
    max_points: float | None
    started_at: dt.datetime
    submitted_at: dt.datetime | None
    deadline: dt.datetime | None
    timed_out: bool

    @property
    def submitted(self) -> bool:
        return self.status == "submitted"


@dataclass(frozen=True)
class Standing:
    """Where an agent stands on one exam, following its grading method."""

    exam: Exam
    attempts: tuple[Any, ...]  # Attempt objects, or AttemptSummary rows for pages that only show them
    allowed: int | None  # None: unlimited
    percent: float | None
    passed: bool

    @property
    def submitted(self) -> tuple[Attempt | AttemptSummary, ...]:
        return tuple(attempt for attempt in self.attempts if attempt.submitted)

    @property
    def in_progress(self) -> Attempt | AttemptSummary | None:
        return next((attempt for attempt in self.attempts if not attempt.submitted), None)

    @property
    def used(self) -> int:
        return len(self.attempts)

    @property
    def left(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)

    @property
    def locked(self) -> bool:
        """Attempts used up without a pass: only an administrator can grant another."""
        return not self.passed and self.left == 0 and self.in_progress is None

    @property
    def can_start(self) -> bool:
        return self.in_progress is None and (self.left is None or self.left > 0)

    @property
    def final(self) -> bool:
        """The last attempt is used and scored: no more attempts without an administrator's grant."""
        return self.left == 0 and self.in_progress is None

    @property
    def review_level(self) -> str:
        """What the agent may see of their submitted attempts now: score, marks, answers or explanations."""
        return self.exam.review.level(self.passed, self.final)

    @property
    def review_allowed(self) -> bool:
        """Whether a review page shows more than the score."""
        return self.review_level != "score"

    @property
    def key_shown(self) -> bool:
        """Whether the review shows the correct answers, so a further attempt could be passed from memory."""
        return self.exam.review.shows_key(self.passed, self.final)


def counted():
    """Attempts that count: an admin's reset keeps the ones before it for history only."""
    return Attempt.reset_at.is_(None)


# Built once (every exam page and every start reads it). populate_existing: rows this session loaded
# before taking its lock are read again, not trusted.
_COUNTED_ATTEMPTS = (select(Attempt)
                     .where(Attempt.user_id == bindparam("who"), Attempt.exam_key == bindparam("exam"),
                            Attempt.reset_at.is_(None))
                     .order_by(Attempt.number).execution_options(populate_existing=True))


# The columns are AttemptSummary's fields, in their order, so each row becomes one by position.
_SUMMARY_COLUMNS = tuple(getattr(Attempt, field.name) for field in fields(AttemptSummary))
_SUMMARIES = DriverQuery(select(*_SUMMARY_COLUMNS)
                         .where(Attempt.user_id == bindparam("who"), Attempt.exam_key == bindparam("exam"),
                                Attempt.reset_at.is_(None))
                         .order_by(Attempt.number))
# The same, after the role of who is signed in while a session cookie's claim holds (else NULL): one row
# of it, joined to the attempts, so there is a row to carry it when there are none.
_SIGNED_IN = select(sessions.claimed_role().label("role")).subquery("signed_in")
_SUMMARIES_IF_SIGNED_IN = DriverQuery(
    select(_SIGNED_IN.c.role, *_SUMMARY_COLUMNS)
    .select_from(_SIGNED_IN.outerjoin(Attempt, and_(Attempt.user_id == bindparam("who"),
                                                    Attempt.exam_key == bindparam("exam"),
                                                    Attempt.reset_at.is_(None))))
    .order_by(Attempt.number))


def shown_standing(connection: Connection, exam: Exam, user_id: int) -> Standing:
    """The standing for a page that only shows it (the exam page, a result): its attempts read as plain rows
    with one prepared Core query. Services that change attempts use `standing`, whose attempts are ORM objects."""
    rows = _SUMMARIES.all(connection, {"who": user_id, "exam": exam.key})
    attempts = [AttemptSummary(*row) for row in rows]
    return _standing_of(exam, attempts, attempts_allowed(connection, exam, user_id, len(attempts)))


def shown_standing_if_signed_in(connection: Connection, exam: Exam, claim: Claim) -> tuple[str, Standing] | None:
    """The claimed account's role and `shown_standing` for it, as `identity_for` and `shown_standing` read
    them, in one statement (on PostgreSQL a round trip fewer); None when the claim no longer holds."""
    rows = _SUMMARIES_IF_SIGNED_IN.all(connection, {**claim.params(), "who": claim.user_id, "exam": exam.key})
    if not rows or rows[0].role is None:
        return None
    attempts = [AttemptSummary(*row[1:]) for row in rows if row.id is not None]
    return rows[0].role, _standing_of(exam, attempts, attempts_allowed(connection, exam, claim.user_id,
                                                                         len(attempts)))


def granted_attempts(reads: Session | Connection, user_id: int, exam_keys: list[str]) -> dict[str, int]:
    """Extra attempts an administrator granted, by exam (one query for any number of exams)."""
    query = (select(AttemptGrant.exam_key, func.sum(AttemptGrant.extra_attempts))
             .where(AttemptGrant.user_id == user_id, AttemptGrant.exam_key.in_(exam_keys),
                    AttemptGrant.reset_at.is_(None))
             .group_by(AttemptGrant.exam_key))
    return {key: int(total) for key, total in reads.execute(query)}


def standing_result(grading: str, submitted: Sequence[Attempt | AttemptSummary]) -> float | None:
    return result_of(grading, [attempt.percent for attempt in submitted if attempt.percent is not None])


def result_of(grading: str, percents: list[float]) -> float | None:
    """The result that counts from the scores in the order taken, following the exam's grading method."""
    if not percents:
        return None
    if grading == "highest":
        return max(percents)
    if grading == "last":
        return percents[-1]
    if grading == "first":
        return percents[0]
    return round(sum(percents) / len(percents), 2)


def attempts_allowed(reads: Session | Connection, exam: Exam, user_id: int, used: int,
                     grants: dict[str, int] | None = None) -> int | None:
    """How many counted attempts the agent may use at this exam, grants included; None: unlimited."""
    if exam.attempts is None:
        return None
    if grants is None and used < exam.attempts:
        # Grants are only made once attempts run out (grant_attempt refuses otherwise), so none exist yet.
        return exam.attempts
    if grants is None:
        grants = granted_attempts(reads, user_id, [exam.key])
    return exam.attempts + grants.get(exam.key, 0)


def standing(session: Session, exam: Exam, user_id: int, attempts: Sequence[Attempt | AttemptSummary] | None = None,
             grants: dict[str, int] | None = None) -> Standing:
    """`attempts` (counted ones only) and `grants` may be passed in when the caller loaded them for many exams."""
    if attempts is None:
        attempts = list(session.scalars(_COUNTED_ATTEMPTS, {"who": user_id, "exam": exam.key}))
    return _standing_of(exam, attempts, attempts_allowed(session, exam, user_id, len(attempts), grants))


def _standing_of(exam: Exam, attempts: Sequence[Attempt | AttemptSummary], allowed: int | None) -> Standing:
    percent = standing_result(exam.grading, [attempt for attempt in attempts if attempt.submitted])
    passed = percent is not None and percent >= exam.pass_percent
    return Standing(exam, tuple(attempts), allowed, percent, passed)
