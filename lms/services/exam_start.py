"""A start as it usually goes on PostgreSQL, and what every start reads and writes.

A start reads the agent's attempts at the exam (`START_FACTS`) and, if none is open and one is left,
inserts the next with its "attempt.started" event. On PostgreSQL the usual start needs no transaction
(`start_alone`): the read in autocommit, then a statement that commits by itself (two round trips,
where BEGIN, the agent's lock, the read, the insert and COMMIT were five), the unique (user, exam,
number) keeping two starts at once from both inserting. Everything else takes the locked way in
`exams.start_attempt`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, and_, bindparam, insert, select

from lms import events
from lms.content.catalog import Exam
from lms.db import UnitOfWork
from lms.driver_query import DriverQuery
from lms.models import Attempt, ExamVersion, User
from lms.models.types import utcnow
from lms.services.deadlines import past_deadline
from lms.services.errors import NotSignedIn
from lms.services.layout import new_seed
from lms.services.sessions import Claim, claim_holds
from lms.services.standings import attempts_allowed


@dataclass(frozen=True)
class Started:
    """The attempt a start leads to: the agent's open one, or the one just begun."""

    id: int
    number: int
    content_hash: str
    seed: int
    started_at: dt.datetime
    deadline: dt.datetime | None


# Every attempt of one agent at one exam, the reset ones too (numbers go on after a reset); a handful of rows.
# What a start decides on, in one statement: the agent's attempts at the exam and whether this version of
# the exam is stored. Read from the agent's row, so an agent without attempts gets one row (of NULLs).
_START_FACTS_OF = (
    select(select(ExamVersion.content_hash).where(ExamVersion.content_hash == bindparam("content_hash"))
           .exists().label("stored"),
           Attempt.id, Attempt.number, Attempt.status, Attempt.reset_at, Attempt.content_hash, Attempt.seed,
           Attempt.started_at, Attempt.deadline)
    .select_from(User)
    .outerjoin(Attempt, and_(Attempt.user_id == User.id, Attempt.exam_key == bindparam("exam")))
    .where(User.id == bindparam("who"))
    .order_by(Attempt.number))
START_FACTS = DriverQuery(_START_FACTS_OF)
# The post lane's start: no rows at all when the session's claim no longer holds (see sessions.claim_holds).
START_FACTS_IF_SIGNED_IN = DriverQuery(_START_FACTS_OF.where(claim_holds()))
_STARTED_COLUMNS = ("user_id", "exam_key", "number", "content_hash", "seed", "status", "started_at", "deadline",
                    "answers", "timed_out", "results")
_NEW_ATTEMPT_ROW = (insert(Attempt).values({name: bindparam(name, type_=Attempt.__table__.c[name].type)
                                             for name in _STARTED_COLUMNS})
                    .returning(Attempt.id).cte("new_attempt"))
# On PostgreSQL the new attempt and its "attempt.started" event are one statement: a round trip fewer.
_NEW_ATTEMPT_AND_EVENT = DriverQuery(events.inserted_with_event(
    _NEW_ATTEMPT_ROW, "attempt.started", attempt=_NEW_ATTEMPT_ROW.c.id,
    exam=bindparam("exam_key", type_=Attempt.exam_key.type), number=bindparam("number", type_=Attempt.number.type),
    content_hash=bindparam("content_hash", type_=Attempt.content_hash.type)))


def start_facts(connection: Connection, exam: Exam, user_id: int, claim: Claim | None) -> list:
    """`START_FACTS` for the agent (never empty: an agent's row is there, attempts or not), checking a
    session's `claim` in the same statement when one is given: NotSignedIn when it no longer holds."""
    asked = {"who": user_id, "exam": exam.key, "content_hash": exam.content_hash}
    if claim is None:
        return START_FACTS.all(connection, asked)
    facts = START_FACTS_IF_SIGNED_IN.all(connection, {**asked, **claim.params()})
    if not facts or claim.user_id != user_id:
        raise NotSignedIn()
    return facts


def start_alone(uow: UnitOfWork, exam: Exam, user_id: int, now: dt.datetime, claim: Claim | None) -> Started | None:
    """PostgreSQL, as a start usually goes, without a transaction: the facts read in autocommit, then the
    agent's open attempt, or a new one inserted with its event by a statement that commits by itself.
    Two starts at once read the same attempts and pick the same number, and the unique (user, exam,
    number) lets one insert; the other, like anything unusual (an attempt out of time to score, no
    attempt left, an exam version not stored yet), returns None for the locked way to decide."""
    facts = start_facts(uow.connection, exam, user_id, claim)
    rows = [row for row in facts if row.id is not None]
    if not facts or not facts[0].stored or any(row.status != "submitted" and past_deadline(row.deadline, now)
                                               for row in rows):
        return None
    counted = [row for row in rows if row.reset_at is None]
    open_row = next((row for row in counted if row.status != "submitted"), None)
    if open_row is not None:
        return Started(open_row.id, open_row.number, open_row.content_hash, open_row.seed, open_row.started_at,
                       open_row.deadline)
    allowed = attempts_allowed(uow.connection, exam, user_id, len(counted))
    if allowed is not None and len(counted) >= allowed:
        return None
    with uow.statement_alone() as connection:
        try:
            return inserted_with_event(connection, exam, user_id, rows[-1].number + 1 if rows else 1, now)
        except connection.dialect.loaded_dbapi.IntegrityError:  # another tab's start took the number
            return None


def inserted_with_event(connection: Connection, exam: Exam, user_id: int, number: int, now: dt.datetime) -> Started:
    """PostgreSQL: the new attempt and its "attempt.started" event, in one statement."""
    deadline = now + dt.timedelta(minutes=exam.time_limit_minutes) if exam.time_limit_minutes else None
    seed = new_seed()
    attempt_id = _NEW_ATTEMPT_AND_EVENT.one(connection, {
        "user_id": user_id, "exam_key": exam.key, "number": number, "content_hash": exam.content_hash, "seed": seed,
        "status": "in_progress", "started_at": now, "deadline": deadline, "answers": {}, "timed_out": False,
        "results": {}, "actor_id": user_id, "subject_user_id": user_id, "at": utcnow()}).id
    events.note_emitted(connection)
    return Started(attempt_id, number, exam.content_hash, seed, now, deadline)
