"""Scoring answers: what the question types (lms.questions) do, in the units the exam engine uses.

Answers are stored as JSON-friendly values that name original positions in the content file,
never the shuffled display positions, so scoring does not depend on how an attempt was shown.
"""

from __future__ import annotations

from typing import Any

from lms.content.catalog import Exam, Question
from lms.questions import base, question_type
from lms.questions.base import FormValues, QuestionLayout
from lms.services.layout import AttemptLayout

__all__ = ["FormValues", "field_name", "form_for", "is_answered", "read_answer", "score_question"]


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
    questions = {question.id: question for question in exam.questions}
    values: dict[str, list[str]] = {}
    for qlayout in layout.questions:
        question = questions[qlayout.question_id]
        values.update(question_type(question.type).form_values(question.data, qlayout, field_name(question), right))
    return values
