"""The exam page's autosave, as it usually goes: one prepared UPDATE.

Autosaves arrive every 30 s from every agent in an exam (a fifth of the capacity mix), so the usual
case is one statement that only an open attempt of this agent, still inside its time, can match;
anything else takes the long way (`exams.save_answers`). Before the answers can be written they
are read against the attempt's layout, which its owner, exam version and seed decide: those never
change once the attempt exists, so a worker remembers them per attempt.

`save_if_signed_in` is the post lane's way: the UPDATE also checks the session cookie's claim, so
on PostgreSQL a remembered attempt's autosave is one round trip where it was three (who is signed
in, the layout, the write). A remembered layout is written only where the attempt still has that
owner, exam version and seed, so one remembered from another database (an id used again) never
decides how answers are read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.engine import Connection

from lms.db import UnitOfWork
from lms.driver_query import DriverQuery, DriverWrite
from lms.models import Attempt
from lms.services.deadlines import DEADLINE_GRACE
from lms.services.errors import RuleError
from lms.services.exam_versions import load_version
from lms.services.layout import layout_for
from lms.services.recent import Recent
from lms.services.scoring import FormValues, read_answers
from lms.services.sessions import Claim, claim_holds
from lms.services.tokens import LayoutNote


def _saving() -> Any:
    return (update(Attempt)
            .where(Attempt.id == bindparam("attempt"), Attempt.user_id == bindparam("owner"),
                   Attempt.status == "in_progress",
                   or_(Attempt.deadline.is_(None), Attempt.deadline >= bindparam("cutoff")))
            .values(answers=bindparam("given"), saved_at=bindparam("at")))


SAVE = DriverWrite(_saving())
_SAVE_IF_SIGNED_IN = DriverWrite(_saving().where(Attempt.content_hash == bindparam("exam_version"),
                                                 Attempt.seed == bindparam("layout_seed"), claim_holds()))
_FACTS_OF = DriverQuery(select(Attempt.user_id, Attempt.content_hash, Attempt.seed)
                        .where(Attempt.id == bindparam("attempt")))
# About 20 autosaves per attempt, spread over the workers; 10,000 attempts are a few megabytes.
_REMEMBERED: Recent[int, Any] = Recent(size=10_000)


def attempt_facts(connection: Connection, attempt_id: int) -> Any:
    """The attempt's owner, exam version and seed (`user_id`, `content_hash`, `seed`), read afresh; None
    when there is no such attempt."""
    found = _FACTS_OF.first(connection, {"attempt": attempt_id})
    if found is not None:
        _REMEMBERED.put(attempt_id, found)
    return found


class _Facts(NamedTuple):
    user_id: int
    content_hash: str
    seed: int


def save_if_signed_in(uow: UnitOfWork, claim: Claim, attempt_id: int, values: FormValues,
                      now: dt.datetime, note: LayoutNote | None = None) -> dt.datetime | None:
    """Keep the answers of the claimed agent's open attempt in one statement that checks the claim too,
    not waiting for the disk (the page sends them again half a minute later). The time saved, or None
    when nothing was written and the caller takes the long way: the claim does not hold, the attempt
    is not this agent's, or it is submitted or out of time.

    An attempt this worker does not remember yet is read first, unless its page's layout `note` is
    given: its version and seed are then taken as the statement's guard, and remembered once it matched
    (PostgreSQL's first autosave of an attempt in a worker, one round trip instead of two)."""
    facts = _REMEMBERED.get(attempt_id)
    noted = facts is None and note is not None
    if facts is None:
        facts = (_Facts(claim.user_id, note.content_hash, note.seed) if note is not None
                 else attempt_facts(uow.connection, attempt_id))
    if facts is None or facts.user_id != claim.user_id:
        return None
    try:
        exam = load_version(uow.connection, facts.content_hash)
        answers = read_answers(exam, layout_for(exam, facts.seed), values)
    except (LookupError, RuleError):
        if noted:  # a note of no stored version, or answers not of its layout: the long way reads the attempt
            return None
        raise
    given = {"attempt": attempt_id, "owner": claim.user_id, "exam_version": facts.content_hash,
             "layout_seed": facts.seed, "given": answers, "at": now, "cutoff": now - DEADLINE_GRACE,
             **claim.params()}
    if uow.write_statement(_SAVE_IF_SIGNED_IN, given) != 1:
        return None
    if noted:  # matched: the attempt has that owner, version and seed
        _REMEMBERED.put(attempt_id, facts)
    return now
