"""What the review page shows for each question: the learner's answer beside the right one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lms.content.catalog import Exam, Question
from lms.questions import question_type
from lms.questions.base import Row
from lms.services.layout import AttemptLayout


@dataclass(frozen=True)
class ReviewItem:
    number: int
    question: Question
    earned: float
    rows: tuple[Row, ...]
    learner_text: str = ""  # for answers that are one value (true/false, a number)
    expected_text: str = ""

    @property
    def full_marks(self) -> bool:
        return self.earned >= self.question.points


def review_items(exam: Exam, layout: AttemptLayout, answers: dict[str, Any],
                 results: dict[str, float]) -> Iterator[ReviewItem]:
    questions = {question.id: question for question in exam.questions}
    for number, qlayout in enumerate(layout.questions, start=1):
        question = questions[qlayout.question_id]
        parts = question_type(question.type).review(question.data, qlayout, answers.get(question.id))
        yield ReviewItem(number, question, float(results.get(question.id, 0.0)), parts.rows, parts.learner_text,
                         parts.expected_text)
