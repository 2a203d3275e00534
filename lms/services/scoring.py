"""Scoring answers: what the question types (lms.questions) do, in the units the exam engine uses,
and an attempt's answers read from its form, scored as a whole and checked for gaps.

Answers are stored as JSON-friendly values that name original positions in the content file,
never the shuffled display positions, so scoring does not depend on how an attempt was shown.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from lms.content.catalog import Exam, Question
from lms.questions import base, question_type
from lms.questions.base import FormValues, QuestionLayout
from lms.services.layout import AttemptLayout

__all__ = ["FormValues", "Score", "field_name", "form_for", "is_answered", "read_answer", "read_answers",
           "score_answers", "score_question", "unanswered"]


def field_name(question: Question) -> str:
    return base.field_name(question.id)


def score_question(question: Question, answer: Any) -> float:
    """Points earned, rounded to hundredths so repeated sums stay exact enough to compare."""
    return round(question_type(question.type).score(question.data, answer) * question.points, 2)


def read_answer(question: Question, layout: QuestionLayout, values: FormValues) -> Any:
    return question_type(question.type).read(question.data, layout, values, field_name(question))


def is_answered(question: Question, answer: Any) -> bool:
    return question_type(question.type).answered(answer)


def form_for(exam: Exam, layout: AttemptLayout, right: bool = True) -> dict[str, list[str]]:
    """The form an agent would send answering every question of an attempt right (or wrong).

    Demo data and benchmarks use it to take exams the way agents do, through the same form.
    """
    questions = exam.questions_by_id
    values: dict[str, list[str]] = {}
    for qlayout in layout.questions:
        question = questions[qlayout.question_id]
        values.update(question_type(question.type).form_values(question.data, qlayout, field_name(question), right))
    return values


def read_answers(exam: Exam, layout: AttemptLayout, values: FormValues) -> dict[str, Any]:
    questions = exam.questions_by_id
    return {each.question_id: read_answer(questions[each.question_id], each, values) for each in layout.questions}


@dataclass(frozen=True)
class Score:
    results: dict[str, float]  # question id -> points earned
    points: float
    max_points: float
    percent: float
    passed: bool

    def columns(self) -> dict[str, Any]:
        """The attempt's columns that hold this score (each field is named after its column)."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


def score_answers(exam: Exam, layout: AttemptLayout, answers: dict[str, Any]) -> Score:
    """What the answers score on the questions this attempt asked (demo data scores with it too)."""
    questions = exam.questions_by_id
    results = {qid: score_question(questions[qid], answers.get(qid)) for qid in layout.question_ids}
    maximum = sum(questions[qid].points for qid in layout.question_ids)
    points = round(sum(results.values()), 2)
    percent = round(100 * points / maximum, 2) if maximum else 0.0
    return Score(results, points, maximum, percent, percent >= exam.pass_percent)


def unanswered(exam: Exam, layout: AttemptLayout, answers: dict[str, Any]) -> list[int]:
    """The numbers (as the attempt shows them) of the questions without an answer."""
    questions = exam.questions_by_id
    return [number for number, qid in enumerate(layout.question_ids, start=1)
            if not is_answered(questions[qid], answers.get(qid))]
