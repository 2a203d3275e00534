"""The exam engine: starting, saving, submitting and scoring attempts, and an exam's standing.

Starting and submitting are safe under double-clicks and concurrent requests: each runs in one
write transaction that takes the write lock first (BEGIN IMMEDIATE on SQLite, row locks on
PostgreSQL), or, as they usually go on PostgreSQL, as one statement that commits by itself: a start
whose number the unique (user, exam, number) constraint guards (see exam_start), a score that cannot
complete the track, whose UPDATE only an open attempt matches (see score_write). That constraint
backs every start up. Reading the exam and the learner's form happens before the write, so the lock is
held for the write alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.orm import Session

from lms import events
from lms.content.catalog import Catalog, Exam, Question
from lms.db import UnitOfWork
from lms.driver_query import DriverQuery
from lms.models import Attempt, User
from lms.services import autosave, exam_start, score_write, scoring
from lms.services.attempt_grants import KeySeen, grant_attempt, locked_exams  # noqa: F401  (the engine's API)
from lms.services.deadlines import DEADLINE_GRACE, past_deadline
from lms.services.errors import NotFound, RuleError
from lms.services.exam_start import Started
from lms.services.exam_versions import ensure_version, load_version
from lms.services.layout import AttemptLayout, layout_for, new_seed
from lms.services.scoring import Score, read_answers, score_answers, unanswered  # noqa: F401  (the engine's API)
from lms.services.sessions import Claim
from lms.services.standings import (  # noqa: F401  (the exam engine's API)
    Standing,
    attempts_allowed,
    granted_attempts,
    shown_standing,
    standing,
)
from lms.services.tokens import LayoutNote
from lms.services.training import record_track_completion, track_module_keys


class TimeIsUp(RuleError):
    """The attempt ran out of time; it has been scored with the answers saved before the deadline."""

    def __init__(self, attempt_id: int):
        super().__init__("Time is up for this attempt. It was scored with the answers saved before the deadline.")
        self.attempt_id = attempt_id


class OutOfTime(RuleError):
    """An open attempt ran out of time and would be scored first; raised, before anything is written,
    only to a caller that asked not to score it (`start_attempt(..., score_expired=False)`)."""

    def __init__(self) -> None:
        super().__init__("An open attempt ran out of time; it is scored before another starts.")


@dataclass(frozen=True)
class AttemptView:
    """An attempt with the exam version it was taken on and how it shows that exam."""

    attempt: Attempt
    exam: Exam
    layout: AttemptLayout

    @property
    def questions(self) -> Mapping[str, Question]:
        return self.exam.questions_by_id

    @property
    def answered(self) -> int:
        questions, answers = self.questions, self.attempt.answers
        return sum(scoring.is_answered(questions[qid], answers.get(qid)) for qid in self.layout.question_ids)


_ATTEMPT = select(Attempt).where(Attempt.id == bindparam("attempt"))
# The lock makes a second tab wait; populate_existing makes it see what the first tab wrote.
_LOCKED_ATTEMPT = _ATTEMPT.with_for_update().execution_options(populate_existing=True)


def attempt_for(session: Session, attempt_id: int, user_id: int, *, lock: bool = False) -> Attempt:
    """The agent's own attempt; another agent's attempt does not exist as far as this agent can tell."""
    attempt = session.scalar(_LOCKED_ATTEMPT if lock else _ATTEMPT, {"attempt": attempt_id})
    if attempt is None or attempt.user_id != user_id:
        raise NotFound("There is no such attempt.")
    return attempt


# Serialises starts by the same agent on PostgreSQL, in a statement of its own: under READ COMMITTED a
# statement that waited for the lock still reads from the snapshot it began with, so the attempts read
# in the same statement would miss the one the other start just made (tested with parallel starts).
_LOCK_AGENT = DriverQuery(select(User.id).where(User.id == bindparam("who")).with_for_update())
_NEW_ATTEMPT = insert(Attempt)


def start_attempt(uow: UnitOfWork, catalog: Catalog, exam: Exam, user_id: int, now: dt.datetime, *,
                  score_expired: bool = True, claim: Claim | None = None) -> Started:
    """The agent's open attempt, or a new one if attempts remain (idempotent under double-clicks).

    An open attempt whose time ran out is scored first, so it counts before the limit is checked.
    Its score stands even when no attempt is left: the transaction commits, then TimeIsUp says so
    and the caller shows that attempt's result. Unless `score_expired`, such an attempt raises
    OutOfTime instead and nothing is written (for a caller that could not show TimeIsUp's result).
    With a session's `claim` (the post lane, which has not read who is signed in) the start's first
    read checks it too, and NotSignedIn is raised, with nothing written, when it no longer holds.
    """
    if not uow.is_sqlite:
        started = exam_start.start_alone(uow, exam, user_id, now, claim)
        if started is not None:
            return started
    with uow.write_rows() as connection:  # an ORM session only for the rare branches
        if not uow.is_sqlite:  # SQLite's BEGIN IMMEDIATE already holds the only write lock there is
            _LOCK_AGENT.all(connection, {"who": user_id})
        facts = exam_start.start_facts(connection, exam, user_id, claim)
        stored = bool(facts) and facts[0].stored
        rows = [row for row in facts if row.id is not None]
        scored = None
        for row in rows:
            if row.status == "submitted" or not past_deadline(row.deadline, now):
                continue
            if not score_expired:
                raise OutOfTime()
            # Out of time: scored now (one reset while open is scored for the record and counts for nothing).
            attempt = attempt_for(uow.session, row.id, user_id, lock=True)
            if not attempt.submitted:  # a submission may have got there first
                _finish(uow, catalog, attempt, now)
            if row.reset_at is None:
                scored = row.id
        counted = [row for row in rows if row.reset_at is None]
        open_row = next((row for row in counted if row.status != "submitted" and row.id != scored), None)
        if open_row is not None:
            return Started(open_row.id, open_row.number, open_row.content_hash, open_row.seed, open_row.started_at,
                           open_row.deadline)
        allowed = attempts_allowed(connection, exam, user_id, len(counted))
        if allowed is not None and len(counted) >= allowed:
            if scored is None:
                raise RuleError("You have used all your attempts at this exam without passing it. Contact an "
                                "administrator, who can grant another attempt.")
            outcome: Started | TimeIsUp = TimeIsUp(scored)  # raised once the timed-out score has committed
        else:
            outcome = _insert_attempt(uow, exam, user_id, rows[-1].number + 1 if rows else 1, now, stored)
    if isinstance(outcome, TimeIsUp):
        raise outcome
    return outcome


def _insert_attempt(uow: UnitOfWork, exam: Exam, user_id: int, number: int, now: dt.datetime,
                    version_stored: bool) -> Started:
    if not version_stored:
        ensure_version(uow.session, exam)
    connection: Any = uow.connection
    if not uow.is_sqlite:
        return exam_start.inserted_with_event(connection, exam, user_id, number, now)
    deadline = now + dt.timedelta(minutes=exam.time_limit_minutes) if exam.time_limit_minutes else None
    seed = new_seed()
    values = {"user_id": user_id, "exam_key": exam.key, "number": number, "content_hash": exam.content_hash,
              "seed": seed, "status": "in_progress", "started_at": now, "deadline": deadline, "answers": {},
              "timed_out": False, "results": {}}
    attempt_id = connection.execute(_NEW_ATTEMPT, values).inserted_primary_key[0]
    events.emit(connection, "attempt.started", actor_id=user_id, subject_user_id=user_id, attempt=attempt_id,
                exam=exam.key, number=number, content_hash=exam.content_hash)
    return Started(attempt_id, number, exam.content_hash, seed, now, deadline)


def attempt_exam(session: Session, attempt: Attempt | Started | Submitted) -> tuple[Exam, AttemptLayout]:
    """The exam version an attempt was taken on, and how that attempt shows it."""
    exam = load_version(session, attempt.content_hash)
    return exam, layout_for(exam, attempt.seed)


def view_attempt(uow: UnitOfWork, catalog: Catalog, attempt_id: int, user_id: int, now: dt.datetime) -> AttemptView:
    """The agent's attempt as it stands; one whose time ran out is scored first, in its own transaction."""
    attempt = attempt_for(uow.session, attempt_id, user_id)
    if not attempt.submitted and expired(attempt, now):
        with uow.write() as session:
            attempt = attempt_for(session, attempt_id, user_id, lock=True)
            if not attempt.submitted:
                _finish(uow, catalog, attempt, now)
    exam, layout = attempt_exam(uow.session, attempt)
    return AttemptView(attempt, exam, layout)


def expired(attempt: Attempt, now: dt.datetime) -> bool:
    return past_deadline(attempt.deadline, now)


def save_answers(uow: UnitOfWork, catalog: Catalog, attempt_id: int, user_id: int, values: scoring.FormValues,
                 now: dt.datetime, *, durable: bool = True) -> dt.datetime:
    """Keep what the agent has answered so far, and say when; refused once submitted.

    Past the deadline the attempt is scored with what was saved before, and TimeIsUp is raised
    after that score is committed. `durable=False` is for the page's autosave, which sends the
    answers again half a minute later (see UnitOfWork.write); a score always waits for the disk.
    """
    found = autosave.attempt_facts(uow.connection, attempt_id)
    if found is None or found.user_id != user_id:
        raise NotFound("There is no such attempt.")
    exam = load_version(uow.connection, found.content_hash)
    layout = layout_for(exam, found.seed)
    answers = read_answers(exam, layout, values)
    given = {"attempt": attempt_id, "owner": user_id, "given": answers, "at": now, "cutoff": now - DEADLINE_GRACE}
    if not durable and uow.write_statement(autosave.SAVE, given) == 1:  # the page's autosave, as it usually goes
        return now
    with uow.write(durable=durable) as session:
        if autosave.SAVE.run(session.connection(), given) == 1:
            return now
        uow.make_durable()
        attempt = attempt_for(session, attempt_id, user_id, lock=True)
        if attempt.submitted:
            raise RuleError("This attempt is already submitted; your answers can no longer change.")
        timed_out = expired(attempt, now)
        if timed_out:
            _finish(uow, catalog, attempt, now, exam, layout)
        else:
            attempt.answers = answers
            attempt.saved_at = now
    if timed_out:
        raise TimeIsUp(attempt_id)
    return now


@dataclass(frozen=True)
class Submitted:
    """A scored attempt, as submission returns it."""

    id: int
    exam_key: str
    number: int
    content_hash: str
    seed: int
    points: float
    max_points: float
    percent: float
    passed: bool
    timed_out: bool
    submitted_at: dt.datetime
    results: dict[str, float]
    deadline: dt.datetime | None = None

    @classmethod
    def scored(cls, attempt_id: int, before: Any, score: Score, now: dt.datetime) -> Submitted:
        """A usual submission's: the attempt as read before its score (`before`), scored now, in time."""
        return cls(attempt_id, before.exam_key, before.number, before.content_hash, before.seed, score.points,
                   score.max_points, score.percent, score.passed, False, now, score.results, before.deadline)

    @classmethod
    def of(cls, attempt: Attempt) -> Submitted:
        """From an attempt, or from a plain row with the same columns (the result page's)."""
        assert attempt.submitted_at is not None, "only a scored attempt"
        return cls(attempt.id, attempt.exam_key, attempt.number, attempt.content_hash, attempt.seed,
                   attempt.points or 0.0, attempt.max_points or 0.0, attempt.percent or 0.0,
                   bool(attempt.passed), attempt.timed_out, attempt.submitted_at, dict(attempt.results or {}),
                   attempt.deadline)


def submit_attempt(uow: UnitOfWork, catalog: Catalog, attempt_id: int, user_id: int, values: scoring.FormValues | None,
                   now: dt.datetime, confirmed: bool = True, *, claim: Claim | None = None,
                   note: LayoutNote | None = None) -> Submitted:
    """Score the attempt once; a repeat (double-click, second tab) returns the recorded result.

    The exam version, the layout and the answers are read before the write transaction, which
    then only stores the answers and the score. Unless `confirmed`, questions left without an
    answer stop the submission: the answers are saved and Unanswered says which. With a session's
    `claim` (see start_attempt) the first read checks it too: NotFound when it no longer holds. With the
    attempt page's layout `note` as well, PostgreSQL first tries to score without reading the attempt.
    """
    if note is not None and claim is not None and claim.user_id == user_id and values is not None and not uow.is_sqlite:
        submitted = _submit_from_note(uow, catalog, attempt_id, claim, note, values, now, confirmed)
        if submitted is not None:
            return submitted
    before = score_write.read_before_score(uow.connection, attempt_id, claim)
    if before is None or before.user_id != user_id or (claim is not None and claim.user_id != user_id):
        raise NotFound("There is no such attempt.")
    if before.status == "submitted":  # a repeat: no write, so no wait for the write lock
        return Submitted.of(attempt_for(uow.session, attempt_id, user_id))
    exam = load_version(uow.connection, before.content_hash)
    layout = layout_for(exam, before.seed)
    answers = read_answers(exam, layout, values) if values is not None else None
    late = past_deadline(before.deadline, now)
    if not confirmed and not late:
        missing = unanswered(exam, layout, answers if answers is not None else before.answers)
        if missing:
            if values is not None:
                save_answers(uow, catalog, attempt_id, user_id, values, now)
            raise Unanswered(missing)
    # Scored before the write: on SQLite other writers wait while it is open.
    score = score_answers(exam, layout, answers) if answers is not None and not late else None
    # The usual submission is driver statements alone; the ORM session is made only for the long way.
    module = catalog.module_for_exam(before.exam_key)
    track_modules = track_module_keys(catalog, module) if module is not None else ()

    def record(connection: Connection, *, alone: bool = False) -> score_write.Recorded | None:
        assert answers is not None and score is not None
        return score_write.record_score(connection, exam, attempt_id, user_id, before.exam_key, before.number,
                                        answers, score, track_modules=track_modules, cutoff=now - DEADLINE_GRACE,
                                        now=now, alone=alone)

    if score is not None and not uow.is_sqlite:  # PostgreSQL: a statement committing by itself, if it may
        with uow.statement_alone() as connection:
            recorded = record(connection, alone=True)
        if recorded is not None:
            return Submitted.scored(attempt_id, before, score, now)
    with uow.write_rows() as connection:
        if score is not None:
            recorded = record(connection)
            if recorded is not None:
                if score.passed and module is not None and recorded.track_may_be_complete:
                    record_track_completion(uow, catalog, user_id, module, now)
                return Submitted.scored(attempt_id, before, score, now)
        attempt = attempt_for(uow.session, attempt_id, user_id, lock=True)
        if not attempt.submitted:
            if answers is not None and not expired(attempt, now):
                attempt.answers = answers
                attempt.saved_at = now
            _finish(uow, catalog, attempt, now, exam, layout)
        return Submitted.of(attempt)


def _submit_from_note(uow: UnitOfWork, catalog: Catalog, attempt_id: int, claim: Claim, note: LayoutNote,
                      values: scoring.FormValues, now: dt.datetime, confirmed: bool) -> Submitted | None:
    """The usual submission (in time, every question answered or the agent sure), scored from the exam
    version and seed its page's note names, in one statement that commits by itself: the read before
    it is left out (on PostgreSQL a round trip and a statement fewer). None, with nothing written, for
    anything else (a note that does not describe this open attempt of the claimed agent, a pass that may
    complete the track), which `submit_attempt` then reads and handles as it always did."""
    try:
        exam = load_version(uow.connection, note.content_hash)
        layout = layout_for(exam, note.seed)
        answers = read_answers(exam, layout, values)
    except (LookupError, RuleError):  # a note for no stored version, or answers not of that layout
        return None
    if not confirmed and unanswered(exam, layout, answers):
        return None
    score = score_answers(exam, layout, answers)
    module = catalog.module_for_exam(exam.key)
    track_modules = track_module_keys(catalog, module) if module is not None else ()
    with uow.statement_alone() as connection:
        found = score_write.record_score_from_note(connection, exam, attempt_id, claim, note.seed, answers, score,
                                                   track_modules=track_modules, cutoff=now - DEADLINE_GRACE, now=now)
    if found is None:
        return None
    return Submitted(attempt_id, exam.key, found.number, exam.content_hash, note.seed, score.points, score.max_points,
                     score.percent, score.passed, False, now, score.results, found.deadline)


def _finish(uow: UnitOfWork, catalog: Catalog, attempt: Attempt, now: dt.datetime, exam: Exam | None = None,
            layout: AttemptLayout | None = None) -> None:
    """Score with the saved answers, inside the write that loaded `attempt`; past the deadline the
    attempt is marked as timed out."""
    if exam is None or layout is None:
        exam, layout = attempt_exam(uow.session, attempt)
    score = score_answers(exam, layout, attempt.answers or {})
    for column, value in score.columns().items():
        setattr(attempt, column, value)
    attempt.timed_out = expired(attempt, now)
    attempt.status = "submitted"
    attempt.submitted_at = min(now, attempt.deadline + DEADLINE_GRACE) if attempt.deadline else now
    # An attempt left open when an admin reset the exam is scored for the record, but passes nothing.
    _record_score(uow, catalog, exam, attempt.id, attempt.user_id, attempt.exam_key, attempt.number,
                  attempt.answers or {}, score, timed_out=attempt.timed_out, at=attempt.submitted_at,
                  counts=attempt.reset_at is None)


def _record_score(uow: UnitOfWork, catalog: Catalog, exam: Exam, attempt_id: int, user_id: int, exam_key: str,
                  number: int, answers: dict[str, Any], score: Score, *, timed_out: bool, at: dt.datetime,
                  counts: bool) -> None:
    """What follows a score: per-question rows, the event, and the track's completion after a pass that counts."""
    score_write.record_rows_and_event(uow.connection, exam, attempt_id, user_id, exam_key, number, answers, score,
                                      timed_out=timed_out)
    module = catalog.module_for_exam(exam_key)
    if score.passed and module is not None and counts:
        record_track_completion(uow, catalog, user_id, module, at)


class Unanswered(RuleError):
    """Submitting would score unanswered questions as wrong; the answers given are saved meanwhile."""

    def __init__(self, numbers: list[int]):
        listed = ", ".join(str(number) for number in numbers)
        super().__init__(f"Question{'s' if len(numbers) != 1 else ''} {listed} "
                         f"{'have' if len(numbers) != 1 else 'has'} no answer yet.")
        self.numbers = numbers
