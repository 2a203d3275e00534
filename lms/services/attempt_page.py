"""What the attempt page shows, read lean: one prepared Core query, plain values back.

An agent reloads this page, and comes back to it, many times in an attempt. One statement reads the
attempt, how many of the agent's attempts at the exam count (for "this is your last attempt") and
the agent's time zone (the deadline is shown in it); the exam version and the layout come from
their per-worker memos.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import aliased

from lms.content.catalog import Catalog, Exam, Question
from lms.db import UnitOfWork
from lms.driver_query import DriverQuery
from lms.models import AgentProfile, Attempt
from lms.services import exams, sessions
from lms.services.errors import NotFound
from lms.services.exam_versions import load_version
from lms.services.layout import AttemptLayout, layout_for
from lms.services.standings import attempts_allowed


@dataclass(frozen=True)
class AttemptPage:
    """An open attempt as its page shows it, with the exam version it was taken on."""

    id: int
    exam_key: str
    number: int
    deadline: dt.datetime | None
    saved_at: dt.datetime | None
    seed: int
    answers: dict[str, Any]
    exam: Exam
    layout: AttemptLayout
    last_attempt: bool
    time_zone: str | None  # the agent's own, from their profile

    @property
    def questions(self) -> Mapping[str, Question]:
        return self.exam.questions_by_id

    @property
    def unanswered(self) -> list[int]:
        return exams.unanswered(self.exam, self.layout, self.answers)


_COUNTED = aliased(Attempt)
_COLUMNS = (Attempt.user_id, Attempt.exam_key, Attempt.number, Attempt.status, Attempt.content_hash,
            Attempt.seed, Attempt.deadline, Attempt.saved_at, Attempt.answers,
            select(func.count()).select_from(_COUNTED)
            .where(_COUNTED.user_id == Attempt.user_id, _COUNTED.exam_key == Attempt.exam_key,
                   _COUNTED.reset_at.is_(None)).scalar_subquery().label("counted"),
            select(AgentProfile.time_zone).where(AgentProfile.user_id == Attempt.user_id)
            .scalar_subquery().label("time_zone"))
_PAGE = DriverQuery(select(*_COLUMNS).where(Attempt.id == bindparam("attempt")))
# The same, with the role of who is signed in while a session cookie's claim holds (else NULL).
_PAGE_IF_SIGNED_IN = DriverQuery(select(sessions.claimed_role().label("role"), *_COLUMNS)
                                 .where(Attempt.id == bindparam("attempt")))


def attempt_page(uow: UnitOfWork, catalog: Catalog, attempt_id: int, user_id: int,
                 now: dt.datetime) -> AttemptPage | None:
    """The agent's open attempt for its page; None once it is submitted, so the result shows instead.

    One whose time ran out is scored first, in a transaction of its own (as `view_attempt` does).
    """
    connection = uow.connection
    row = _PAGE.first(connection, {"attempt": attempt_id})
    if row is None or row.user_id != user_id:
        raise NotFound("There is no such attempt.")
    if row.status == "submitted":
        return None
    if exams.past_deadline(row.deadline, now):
        exams.view_attempt(uow, catalog, attempt_id, user_id, now)
        return None
    return _page(connection, catalog, attempt_id, user_id, row)


def attempt_page_if_signed_in(connection: Connection, catalog: Catalog, claim: sessions.Claim, attempt_id: int,
                              now: dt.datetime) -> tuple[str, AttemptPage] | None:
    """The claimed account's role and its open attempt's page, as `identity_for` and `attempt_page` read
    them, in one statement (on PostgreSQL a round trip fewer). None when the claim no longer holds and
    wherever `attempt_page` would not simply read the page (no such attempt or another agent's, submitted,
    its time up): the usual way decides then."""
    row = _PAGE_IF_SIGNED_IN.first(connection, {**claim.params(), "attempt": attempt_id})
    if (row is None or row.role is None or row.user_id != claim.user_id or row.status == "submitted"
            or exams.past_deadline(row.deadline, now)):
        return None
    return row.role, _page(connection, catalog, attempt_id, claim.user_id, row)


def _page(connection: Connection, catalog: Catalog, attempt_id: int, user_id: int, row: Any) -> AttemptPage:
    exam = load_version(connection, row.content_hash)
    current = catalog.exams.get(row.exam_key)
    allowed = attempts_allowed(connection, current, user_id, row.counted) if current is not None else None
    return AttemptPage(attempt_id, row.exam_key, row.number, row.deadline, row.saved_at, row.seed, row.answers or {},
                       exam,
                       layout_for(exam, row.seed), last_attempt=allowed is not None and row.counted >= allowed,
                       time_zone=row.time_zone)
