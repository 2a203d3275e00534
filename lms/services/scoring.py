"""Question types: how each reads a learner's answer from a form and how it is scored.

QUESTION_TYPES maps a content `type:` to its behaviour, so adding a type means adding one entry.
Answers are stored as JSON-friendly values that name original positions in the content file,
never the shuffled display positions, so scoring does not depend on how an attempt was shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from lms.content.catalog import Question
from lms.services.layout import QuestionLayout

FormValues = Callable[[str], list[str]]  # field name -> submitted values


@dataclass(frozen=True)
class QuestionType:
    read: Callable[[Question, QuestionLayout, FormValues], Any]
    score: Callable[[Question, Any], float]  # a fraction of the question's points, 0..1
    answered: Callable[[Any], bool]


def field_name(question: Question) -> str:
    return f"q-{question.id}"


def _first(values: FormValues, name: str) -> str:
    found = values(name)
    return found[0].strip() if found else ""


# --- single and multiple choice ------------------------------------------------------------

def _read_single(question, layout, values):
    return layout.index_of(_first(values, field_name(question)))


def _score_single(question, answer) -> float:
    return 1.0 if isinstance(answer, int) and 0 <= answer < len(question.choices) \
        and question.choices[answer].correct else 0.0


def _read_multiple(question, layout, values):
    picked = {layout.index_of(token) for token in values(field_name(question))}
    return sorted(index for index in picked if index is not None)


def _score_multiple(question, answer) -> float:
    chosen = {index for index in answer or [] if isinstance(index, int) and 0 <= index < len(question.choices)}
    correct = {index for index, choice in enumerate(question.choices) if choice.correct}
    if not question.partial:
        return 1.0 if chosen == correct else 0.0
    # Partial credit: each right pick earns a share, each wrong pick takes one back, never below 0.
    earned = len(chosen & correct) - len(chosen - correct)
    return max(0.0, earned / len(correct))


# --- true/false and numeric ----------------------------------------------------------------

def _read_true_false(question, layout, values):
    return {"true": True, "false": False}.get(_first(values, field_name(question)).lower())


def _score_true_false(question, answer) -> float:
    return 1.0 if isinstance(answer, bool) and answer == question.answer else 0.0


def _read_numeric(question, layout, values):
    return _first(values, field_name(question))[:50]


def parse_number(text: Any) -> float | None:
    """A number from what a learner typed: '1,200', '$60', '60 days' and '8.5%' all work."""
    if not isinstance(text, str):
        return None
    cleaned = text.strip().replace(",", "").replace("$", "").rstrip("%").strip()
    cleaned = cleaned.split()[0] if cleaned.split() else ""
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _score_numeric(question, answer) -> float:
    number = parse_number(answer)
    if number is None:
        return 0.0
    return 1.0 if abs(number - float(question.answer)) <= question.tolerance + 1e-9 else 0.0


# --- matching and ordering -----------------------------------------------------------------

def _read_matching(question, layout, values):
    answer = {}
    for left in range(len(question.pairs)):
        right = layout.index_of(_first(values, f"{field_name(question)}-{left}"))
        if right is not None:
            answer[str(left)] = right
    return answer


def _score_matching(question, answer) -> float:
    answer = answer or {}
    return 1.0 if all(answer.get(str(left)) == left for left in range(len(question.pairs))) else 0.0


def _read_ordering(question, layout, values):
    answer = {}
    for item in range(len(question.items_html)):
        token = layout.tokens[item]
        position = _first(values, f"{field_name(question)}-{token}")
        if position.isdigit() and 1 <= int(position) <= len(question.items_html):
            answer[str(item)] = int(position)
    return answer


def _score_ordering(question, answer) -> float:
    answer = answer or {}
    return 1.0 if all(answer.get(str(item)) == item + 1 for item in range(len(question.items_html))) else 0.0


def _has_value(answer) -> bool:
    return answer not in (None, "", [], {})


QUESTION_TYPES: dict[str, QuestionType] = {
    "single": QuestionType(_read_single, _score_single, _has_value),
    "multiple": QuestionType(_read_multiple, _score_multiple, _has_value),
    "true_false": QuestionType(_read_true_false, _score_true_false, _has_value),
    "numeric": QuestionType(_read_numeric, _score_numeric, _has_value),
    "matching": QuestionType(_read_matching, _score_matching, _has_value),
    "ordering": QuestionType(_read_ordering, _score_ordering, _has_value),
}


def score_question(question: Question, answer: Any) -> float:
    """Points earned, rounded to hundredths so repeated sums stay exact enough to compare."""
    return round(QUESTION_TYPES[question.type].score(question, answer) * question.points, 2)


def read_answer(question: Question, layout: QuestionLayout, values: FormValues) -> Any:
    return QUESTION_TYPES[question.type].read(question, layout, values)


def is_answered(question: Question, answer: Any) -> bool:
    return QUESTION_TYPES[question.type].answered(answer)
