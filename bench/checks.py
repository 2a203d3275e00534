"""After a write scenario the database must show exactly what the requests sent should have done.

Each check returns one line for the report, starting with "MISMATCH" when the rows disagree: a
benchmark that measured error pages, or writes that went missing, is worth nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask
from harness import wait_for
from sqlalchemy import func, or_, select

from lms.models import Attempt, ModuleProgress
from lms.services import exams, tokens
from lms.services.layout import layout_for


def _among(column: Any, ids: Iterable[int]) -> Any:
    """`column` in `ids`, as a few BETWEENs: bench ids come in contiguous batches, and tens of
    thousands of bound parameters would overflow SQLite's limit."""
    ranges: list[list[int]] = []
    for value in sorted(set(ids)):
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1][1] = value
        else:
            ranges.append([value, value])
    return or_(*(column.between(low, high) for low, high in ranges)) if ranges else column.is_(None)


def _scalar(app: Flask, query: Any) -> Any:
    with app.extensions["lms.db"].reading() as db:
        return db.scalar(query)


def submitted(app: Flask, attempt_ids: list[int], sent: int) -> str:
    """Each submit sent scored its own attempt once, as passed (right answers were sent)."""
    query = select(func.count()).select_from(Attempt).where(_among(Attempt.id, attempt_ids),
                                                            Attempt.status == "submitted")
    scored = wait_for(lambda: _scalar(app, query), sent)
    passed = _scalar(app, select(func.count()).select_from(Attempt).where(
        _among(Attempt.id, attempt_ids), Attempt.status == "submitted", Attempt.passed.is_(True)))
    verdict = "ok" if scored == passed == sent else "MISMATCH"
    return f"{verdict}: {sent} submits sent, {scored} attempts submitted, {passed} of them passed"


def started(app: Flask, agent_ids: list[int], sent: int) -> str:
    """Each start sent made one attempt for its own agent."""
    rows = select(func.count()).select_from(Attempt).where(_among(Attempt.user_id, agent_ids))
    made = wait_for(lambda: _scalar(app, rows), sent)
    agents = _scalar(app, select(func.count(func.distinct(Attempt.user_id))).where(_among(Attempt.user_id, agent_ids)))
    verdict = "ok" if made == agents == sent else "MISMATCH"
    return f"{verdict}: {sent} starts sent, {made} attempts started for {agents} agents"


def heartbeats(app: Flask, sent_to: dict[tuple[int, str], str], exact: bool) -> str:
    """Every (agent, module) heartbeats went to has its progress row, with never more seconds than passed
    since the page was opened; `exact` (no gap over the cap): exactly the seconds that passed."""
    secret = app.config["SECRET_KEY"]
    opened = {pair: tokens.page_opened_at(secret, note, *pair) for pair, note in sent_to.items()}
    agents = {user_id for user_id, _ in sent_to}
    # Every row of the agents' id range: the pairs sent to are sorted out here, and any other row that
    # gained seat time is a stray write.
    wanted = ModuleProgress.user_id.between(min(agents), max(agents))

    def rows() -> list[Any]:
        with app.extensions["lms.db"].reading() as db:
            return list(db.execute(select(ModuleProgress.user_id, ModuleProgress.module_key,
                                          ModuleProgress.seconds_spent, ModuleProgress.counted_until)
                                   .where(wanted)))

    def ready() -> int:
        """Rows there (exact: made by the first heartbeat), or credited (rows made beforehand)."""
        return sum(1 for row in rows() if (row.user_id, row.module_key) in sent_to and (exact or row.seconds_spent))

    wait_for(ready, len(sent_to))
    found = rows()
    stray = sum(1 for row in found if (row.user_id, row.module_key) not in sent_to and row.seconds_spent > 0)
    wrong = total = credited = 0
    for user_id, key, seconds, until in found:
        if (user_id, key) not in sent_to:
            continue
        at = opened.get((user_id, key))
        passed = until - int(at.timestamp()) if at else -1
        total += seconds
        credited += seconds > 0
        wrong += not (seconds == passed if exact else 0 <= seconds <= passed)
    # Exactly: a heartbeat in the same second as its note may rightly add nothing.
    verdict = "ok" if (exact or credited == len(sent_to)) and wrong == stray == 0 and total > 0 else "MISMATCH"
    rule = "exactly" if exact else "at most"
    return (f"{verdict}: heartbeats went to {len(sent_to)} (agent, module) pairs of {len(agents)} agents; "
            f"{credited} credited, {total} s of seat time in all, {len(sent_to) - wrong} with {rule} the seconds "
            f"that passed since the page was opened; {stray} stray")


def autosaves(app: Flask, exam: Any, saved: list[int], not_saved: list[int]) -> str:
    """The attempts autosaves went to hold the (right) answers sent, still open; the others are untouched."""
    with app.extensions["lms.db"].reading() as db:
        rows = list(db.execute(select(Attempt.id, Attempt.seed, Attempt.answers, Attempt.status, Attempt.saved_at)
                               .where(_among(Attempt.id, saved + not_saved))))
    expected = set(saved)
    good = sum(1 for row in rows if row.id in expected and row.status == "in_progress" and row.saved_at is not None
               and exams.score_answers(exam, layout_for(exam, row.seed), row.answers).percent == 100)
    stray = sum(1 for row in rows if row.id not in expected and row.saved_at is not None)
    verdict = "ok" if good == len(expected) and stray == 0 else "MISMATCH"
    return f"{verdict}: {good} of {len(expected)} attempts saved with the answers sent, still open; {stray} stray"
