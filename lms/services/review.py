"""What the review page shows for each question: the learner's answer beside the right one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lms.content.catalog import Catalog, Exam, Module, Question
from lms.content.paths import module_slug
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
    questions = exam.questions_by_id
    for number, qlayout in enumerate(layout.questions, start=1):
        question = questions[qlayout.question_id]
        parts = question_type(question.type).review(question.data, qlayout, answers.get(question.id))
        yield ReviewItem(number, question, float(results.get(question.id, 0.0)), parts.rows, parts.learner_text,
                         parts.expected_text)


@dataclass(frozen=True)
class Reread:
    """A module section to read again: it teaches a question the learner got wrong."""

    module: Module
    anchor: str
    title: str


def sections(catalog: Catalog, exam: Exam) -> dict[str, Reread]:
    """The section that teaches each question that names one (its `see:`), by question id."""
    home = catalog.module_for_exam(exam.key)
    found: dict[str, Reread] = {}
    if home is None:
        return found
    for question in exam.questions:
        if not question.see:
            continue
        target, anchor = question.see.split("#", 1)
        module = catalog.modules.get(f"{home.track_key}/{module_slug(target)}") if target else home
        heading = next((h for h in module.headings if h.anchor == anchor), None) if module else None
        if module is not None and heading is not None:
            found[question.id] = Reread(module, anchor, heading.text)
    return found


def reread(catalog: Catalog, exam: Exam, layout: AttemptLayout, results: dict[str, float]) -> list[Reread]:
    """The sections teaching the questions answered wrong, in the order the attempt showed them, once each."""
    teaching = sections(catalog, exam)
    points = {question.id: question.points for question in exam.questions}
    found: list[Reread] = []
    for question_id in layout.question_ids:
        section = teaching.get(question_id)
        if section is not None and float(results.get(question_id, 0.0)) < points[question_id] and section not in found:
            found.append(section)
    return found
