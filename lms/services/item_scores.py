"""Per-question scores of a submitted attempt, written beside its total for item analysis.

Each question of a scored attempt becomes one `attempt_items` row: the points earned, the points
possible and which options were picked (a bit mask in file order), so the statistics pages can
group and count in SQL instead of reading every attempt's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert

from lms.content.catalog import Exam, Question
from lms.driver_query import DriverWrite
from lms.models import AttemptItem

# Option bits above this do not fit a signed 64-bit column; no real question has that many.
MAX_OPTIONS = 62
TRUE_FALSE_LABELS = ("True", "False")


def option_labels(question: Question) -> tuple[str, ...] | None:
    """What a learner could pick, in file order (HTML for choices); None for questions without options."""
    if question.type == "true_false":
        return TRUE_FALSE_LABELS
    if question.type in ("single", "multiple"):
        return tuple(choice.text_html for choice in question.data.choices[:MAX_OPTIONS])
    return None


def correct_options(question: Question) -> frozenset[int]:
    if question.type == "true_false":
        return frozenset({0 if question.data.answer else 1})
    if question.type in ("single", "multiple"):
        return frozenset(index for index, choice in enumerate(question.data.choices) if choice.correct)
    return frozenset()


def picked_mask(question: Question, answer: Any) -> int | None:
    """The options an answer picked as bits (0: none picked); None when the question has no options."""
    labels = option_labels(question)
    if labels is None:
        return None
    if question.type == "true_false":
        chosen = [TRUE_FALSE_LABELS.index(str(answer))] if isinstance(answer, bool) else []
    elif question.type == "single":
        chosen = [answer]
    else:
        chosen = answer if isinstance(answer, list) else []
    mask = 0
    for index in chosen:
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(labels):
            mask |= 1 << index
    return mask


_INSERT = DriverWrite(insert(AttemptItem))


def record(connection: Connection, attempt_id: int, exam: Exam, answers: Mapping[str, Any],
           results: Mapping[str, float]) -> None:
    """One row per question the attempt asked, in the write that scores the attempt (on its connection).

    One executemany of every row on the driver connection, without an ORM object per row: submission
    is a hot write. The attempt row exists already, so the session's pending changes to it may follow."""
    rows = item_rows(attempt_id, exam.content_hash, exam, answers, results)
    if rows:
        _INSERT.run_many(connection, rows)


def item_rows(attempt_id: int, content_hash: str, exam: Exam, answers: Mapping[str, Any],
              results: Mapping[str, float]) -> list[dict[str, Any]]:
    """The `attempt_items` rows of a scored attempt, as values (demo data inserts them in bulk)."""
    questions = exam.questions_by_id
    return [{"attempt_id": attempt_id, "question_id": qid, "content_hash": content_hash, "points": points,
             "max_points": questions[qid].points, "picked": picked_mask(questions[qid], answers.get(qid))}
            for qid, points in results.items()]
