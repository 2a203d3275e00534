"""A usual submission's writes: the attempt's score, one `attempt_items` row per question, the event.

The score is an UPDATE that only the open, in-time, not-reset attempt matches: a second tab's
submission, a deadline passed meanwhile or an admin's reset makes it match nothing, and then nothing
is written here and the caller takes the long way (`exams.submit_attempt`).

On SQLite the three writes are driver statements run inside the process, with nothing to wait for
between them. On PostgreSQL each was a round trip of the worker and a statement of the server; there
the UPDATE … RETURNING is a data-modifying CTE and the rows and the event are made from the row it
returns, in one statement. A statement is atomic by itself: unless the score may complete the exam's
track, it runs in autocommit, its own durable transaction, without the BEGIN and COMMIT round trips
around it (`alone`); the usual submission is then two round trips, the read before and this one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, Text, any_, bindparam, cast, func, insert, literal, or_, select, true, update
from sqlalchemy.dialects import postgresql

from lms import events
from lms.content.catalog import Exam
from lms.driver_query import DriverQuery, DriverWrite, json_rows, rows_as_json, text_array
from lms.models import Attempt, AttemptItem, ModuleProgress
from lms.models.types import utcnow
from lms.services import item_scores
from lms.services.scoring import Score
from lms.services.sessions import Claim, claim_holds

_COLUMNS = Attempt.__table__.c
_OPEN_IN_TIME = (Attempt.id == bindparam("attempt"), Attempt.status == "in_progress", Attempt.reset_at.is_(None),
                 or_(Attempt.deadline.is_(None), Attempt.deadline >= bindparam("cutoff", type_=_COLUMNS.deadline.type)))
# SQLite: the score's own columns come with the parameters.
_SCORE = DriverWrite(update(Attempt).where(*_OPEN_IN_TIME).values(timed_out=False, status="submitted"))

_SCORE_COLUMNS = ("answers", "saved_at", "submitted_at", "points", "max_points", "percent", "passed", "results")
_ITEM_COLUMNS = ("question_id", "points", "max_points", "picked")


def _in_one_statement(*, unless_it_completes_the_track: bool, from_note: bool = False) -> Any:
    """`from_note`: the attempt was not read first; the statement matches it only as the page's layout note
    describes it (its exam, version and seed), for the claimed agent while the claim holds, and returns what
    the caller would have read (its number and deadline)."""
    new = {name: bindparam(f"new_{name}", type_=_COLUMNS[name].type) for name in _SCORE_COLUMNS}
    track_modules = cast(bindparam("track_modules", type_=Text), postgresql.ARRAY(String))
    # How many of the track's modules the agent has completed: with a pass, fewer than all says at once
    # that the track is not complete yet (training.record_track_completion counts the same way).
    completed = (select(func.count()).select_from(ModuleProgress)
                 .where(ModuleProgress.user_id == bindparam("who"), ModuleProgress.completed_at.is_not(None),
                        ModuleProgress.module_key == any_(track_modules))
                 .scalar_subquery())
    exam_key = bindparam("exam_key", type_=_COLUMNS.exam_key.type)
    scoring = update(Attempt).where(*_OPEN_IN_TIME)
    if unless_it_completes_the_track:
        scoring = scoring.where(completed < func.cardinality(track_modules))
    returned: list[Any] = [Attempt.id]
    if from_note:
        scoring = scoring.where(Attempt.user_id == bindparam("who"), Attempt.exam_key == exam_key,
                                Attempt.content_hash == bindparam("content_hash"), Attempt.seed == bindparam("seed"),
                                claim_holds())
        returned += [Attempt.number, Attempt.deadline]
    scored = scoring.values(timed_out=False, status="submitted", **new).returning(*returned).cte("scored")
    given = json_rows(AttemptItem.__table__, _ITEM_COLUMNS, "items")
    items = insert(AttemptItem).from_select(
        ["attempt_id", "content_hash", *_ITEM_COLUMNS],
        select(scored.c.id, bindparam("content_hash", type_=AttemptItem.content_hash.type),
               *(given.c[name] for name in _ITEM_COLUMNS)).select_from(scored.join(given, true()))).cte("items")
    # The event's data as `emit` is given it on SQLite, below (stored with its keys sorted either way).
    number = scored.c.number if from_note else bindparam("number", type_=_COLUMNS.number.type)
    return events.inserted_with_event(
        scored, "attempt.scored", attempt=scored.c.id, exam=exam_key, number=number, percent=new["percent"],
        passed=new["passed"],
        timed_out=literal(False)).add_cte(items).add_columns(
            # Guarded, a pass written at all had a module still to read: nothing to count again.
            (literal(0) if unless_it_completes_the_track else completed).label("completed_modules"))


_SCORE_ROWS_AND_EVENT = DriverQuery(_in_one_statement(unless_it_completes_the_track=False))
# A pass in a statement of its own, committing by itself: only while the track has a module still to read,
# since a pass that may complete it is recorded in one transaction with the track's completion.
_PASS_ROWS_AND_EVENT_ALONE = DriverQuery(_in_one_statement(unless_it_completes_the_track=True))
# The same two, for a submission that carries its page's layout note and was not read first.
_FROM_NOTE = {guarded: DriverQuery(_in_one_statement(unless_it_completes_the_track=guarded, from_note=True))
              for guarded in (False, True)}

# What a submission reads before its write, in one prepared statement: no ORM object for a hot path.
_BEFORE = DriverQuery(select(Attempt.user_id, Attempt.exam_key, Attempt.number, Attempt.content_hash, Attempt.seed,
                             Attempt.status, Attempt.deadline, Attempt.answers)
                      .where(Attempt.id == bindparam("attempt")))
# The post lane's, checking the session's claim in the same statement (see exams.start_attempt).
_BEFORE_IF_SIGNED_IN = DriverQuery(_BEFORE.statement.where(claim_holds()))


def read_before_score(connection: Connection, attempt_id: int, claim: Claim | None) -> Any:
    """The attempt's row as a submission needs it before scoring, or None (also when `claim` no longer holds)."""
    if claim is None:
        return _BEFORE.first(connection, {"attempt": attempt_id})
    return _BEFORE_IF_SIGNED_IN.first(connection, {"attempt": attempt_id, **claim.params()})


@dataclass(frozen=True)
class Recorded:
    """A score written. False: the agent's track is certainly not complete yet (a module is still to read)."""

    track_may_be_complete: bool


def record_score(connection: Connection, exam: Exam, attempt_id: int, user_id: int, exam_key: str, number: int,
                 answers: Mapping[str, Any], score: Score, *, track_modules: Sequence[str], cutoff: dt.datetime,
                 now: dt.datetime, alone: bool = False) -> Recorded | None:
    """In the write transaction of `connection`: the attempt scored with `answers`, its per-question rows and
    its "attempt.scored" event, if it is open, not reset and its deadline not before `cutoff`; else None,
    with nothing written. `track_modules`: the keys of the exam's track's modules.

    `alone` (PostgreSQL): `connection` is in autocommit (`UnitOfWork.statement_alone`), so the statement is
    its own transaction; a pass is then written only while the track has a module still to read (None
    otherwise: the caller records it in a transaction with the track's completion)."""
    if connection.dialect.name == "sqlite":
        if alone:
            raise ValueError("SQLite's scores are written in a write transaction, behind the write gate")
        if _SCORE.run(connection, {"attempt": attempt_id, "cutoff": cutoff, "answers": answers, "saved_at": now,
                                   "submitted_at": now, **score.columns()}) != 1:
            return None
        record_rows_and_event(connection, exam, attempt_id, user_id, exam_key, number, answers, score, timed_out=False)
        return Recorded(track_may_be_complete=True)  # counted by the caller's next statement, in the process
    guarded = alone and score.passed and bool(track_modules)
    found = (_PASS_ROWS_AND_EVENT_ALONE if guarded else _SCORE_ROWS_AND_EVENT).first(connection, {
        **_score_params(exam, attempt_id, user_id, answers, score, track_modules, cutoff, now),
        "exam_key": exam_key, "number": number})
    if found is None:
        return None
    events.note_emitted(connection)
    return Recorded(track_may_be_complete=found.completed_modules >= len(track_modules))


def record_score_from_note(connection: Connection, exam: Exam, attempt_id: int, claim: Claim, seed: int,
                           answers: Mapping[str, Any], score: Score, *, track_modules: Sequence[str],
                           cutoff: dt.datetime, now: dt.datetime) -> Any:
    """PostgreSQL, `connection` in autocommit: as `record_score(alone=True)`, for an attempt not read first.
    Written only if it is `claim`'s agent's attempt at `exam`, of its version with `seed` (as its page's
    layout note says), and `claim` holds. The attempt's number and deadline, or None with nothing written."""
    found = _FROM_NOTE[score.passed and bool(track_modules)].first(connection, {
        **_score_params(exam, attempt_id, claim.user_id, answers, score, track_modules, cutoff, now),
        **claim.params(), "exam_key": exam.key, "seed": seed})
    if found is not None:
        events.note_emitted(connection)
    return found


def _score_params(exam: Exam, attempt_id: int, user_id: int, answers: Mapping[str, Any], score: Score,
                  track_modules: Sequence[str], cutoff: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    rows = item_scores.item_rows(attempt_id, exam.content_hash, exam, answers, score.results)
    return {"attempt": attempt_id, "cutoff": cutoff, "content_hash": exam.content_hash, "actor_id": user_id,
            "subject_user_id": user_id, "at": utcnow(), "new_answers": answers, "new_saved_at": now,
            "new_submitted_at": now, **{f"new_{name}": value for name, value in score.columns().items()},
            "items": rows_as_json(rows, _ITEM_COLUMNS), "who": user_id,
            "track_modules": text_array(tuple(track_modules))}


def record_rows_and_event(connection: Connection, exam: Exam, attempt_id: int, user_id: int, exam_key: str,
                          number: int, answers: Mapping[str, Any], score: Score, *, timed_out: bool) -> None:
    """A score's per-question rows and its "attempt.scored" event, for a score written by a statement of its
    own: SQLite's usual submission above, and the long way (`exams`: a deadline passed, a second tab)."""
    item_scores.record(connection, attempt_id, exam, answers, score.results)
    events.emit(connection, "attempt.scored", actor_id=user_id, subject_user_id=user_id, attempt=attempt_id,
                exam=exam_key, number=number, percent=score.percent, passed=score.passed, timed_out=timed_out)
