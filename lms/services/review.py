"""What the review page shows for each question: the learner's answer beside the right one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lms.content.catalog import Exam, Question
from lms.services.layout import AttemptLayout
from lms.services.scoring import parse_number


@dataclass(frozen=True)
class Row:
    """One line of a question's review: a choice, a match or an item."""

    html: str
    chosen: bool = False
    correct: bool = False
    learner: str = ""  # what the learner gave for this row (a match, a position)
    expected: str = ""  # what was right for it
    feedback_html: str = ""


@dataclass(frozen=True)
class ReviewItem:
    number: int
    question: Question
    earned: float
    rows: tuple[Row, ...]
    learner_text: str = ""  # for true/false and numeric
    expected_text: str = ""

    @property
    def full_marks(self) -> bool:
        return self.earned >= self.question.points


def review_items(exam: Exam, layout: AttemptLayout, answers: dict[str, Any], results: dict[str, float]):
    questions = {question.id: question for question in exam.questions}
    for number, qlayout in enumerate(layout.questions, start=1):
        question = questions[qlayout.question_id]
        answer = answers.get(question.id)
        earned = float(results.get(question.id, 0.0))
        yield _item(number, question, qlayout.order, answer, earned)


def _item(number, question, order, answer, earned) -> ReviewItem:
    if question.type in ("single", "multiple"):
        chosen = {answer} if question.type == "single" else set(answer or [])
        rows = tuple(Row(question.choices[i].text_html, i in chosen, question.choices[i].correct,
                         feedback_html=question.choices[i].feedback_html if i in chosen else "")
                     for i in order)
        return ReviewItem(number, question, earned, rows)
    if question.type == "true_false":
        words = {True: "True", False: "False", None: "No answer"}
        return ReviewItem(number, question, earned, (), words.get(answer, "No answer"), words[question.answer])
    if question.type == "numeric":
        unit = f" {question.unit}" if question.unit else ""
        given = f"{answer}{unit}" if answer else "No answer"
        expected = f"{_number(question.answer)}{unit}"
        if question.tolerance:
            expected += f" (answers within {_number(question.tolerance)} count)"
        if answer and parse_number(answer) is None:
            given += " (not read as a number)"
        return ReviewItem(number, question, earned, (), given, expected)
    if question.type == "matching":
        answer = answer or {}
        rows = []
        for left, pair in enumerate(question.pairs):
            given = answer.get(str(left))
            learner = question.pairs[given].right_html if isinstance(given, int) else "No answer"
            rows.append(Row(pair.left_html, correct=given == left, learner=learner, expected=pair.right_html))
        return ReviewItem(number, question, earned, tuple(rows))
    answer = answer or {}
    rows = tuple(Row(question.items_html[item], correct=answer.get(str(item)) == item + 1,
                     learner=str(answer.get(str(item), "No answer")), expected=str(item + 1))
                 for item in order)
    return ReviewItem(number, question, earned, rows)


def _number(value: float) -> str:
    return f"{value:g}"
