"""What every question type provides, and the pieces several types share.

A question type is one module in this package: its schema (what authors write), how it is built
into the catalog and stored in an exam version, how its options are laid out and shuffled for an
attempt, how an answer is read from a form and scored, what its review shows, and its template
partials. The registry (lms/questions/__init__.py) is the only list of types; every other layer
(content validation, exam versions, layout, scoring, review, templates) asks it.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Protocol

from pydantic import StringConstraints

from lms.content.fields import Key, Markdown, Number, Spec, Text, between
from lms.content.guessable import GuessableCode

SEE_PATTERN = r"^([A-Za-z0-9_.-]+\.md)?#[A-Za-z0-9_-]+$"

FormValues = Callable[[str], list[str]]  # field name -> submitted values
Answer = Any  # JSON-friendly; names original positions in the content file, never display positions


class QuestionSpec(Spec):
    """The keys every question has; each type's schema adds its own."""

    id: Key
    type: str
    prompt: Text
    points: Annotated[Number, between(0.01, 1000)] = 1
    explanation: Markdown = ""
    # The section that teaches it: "#anchor" in the exam's module, or "01-file.md#anchor" in its track.
    see: Annotated[str, StringConstraints(pattern=SEE_PATTERN)] | None = None
    # The part of the syllabus it tests; an exam with `topics:` draws from each topic separately.
    topic: Key | None = None
    # Guessable-exam warnings this question is meant to set off, each with the author's reason.
    quiet: dict[GuessableCode, Text] = {}


class BuildContext(Protocol):
    """What a type's build may do: render the Markdown it holds and report a problem, each at a place
    given relative to the question (`("choices", 0, "text")`)."""

    def markdown(self, text: str, where: tuple[Any, ...], inline: bool = False) -> str: ...

    def error(self, code: str, message: str, where: tuple[Any, ...]) -> None: ...


@dataclass(frozen=True)
class QuestionLayout:
    """How one attempt shows one question: the display order of its options and their form tokens."""

    question_id: str
    order: tuple[int, ...]  # original indices of the options, as displayed
    tokens: tuple[str, ...]  # the opaque form value of each original index

    def index_of(self, token: str) -> int | None:
        try:
            return self.tokens.index(token)
        except ValueError:
            return None


@dataclass(frozen=True)
class Row:
    """One line of a question's review: a choice, a match, an item or a blank."""

    html: str
    chosen: bool = False
    correct: bool = False
    learner: str = ""  # what the learner gave for this row (a match, a position)
    expected: str = ""  # what was right for it
    feedback_html: str = ""


@dataclass(frozen=True)
class ReviewParts:
    rows: tuple[Row, ...] = ()
    learner_text: str = ""  # for answers that are one value (true/false, a number)
    expected_text: str = ""


def field_name(question_id: str) -> str:
    return f"q-{question_id}"


def first_value(values: FormValues, name: str) -> str:
    found = values(name)
    return found[0].strip() if found else ""


def shuffled(rng: random.Random, count: int) -> tuple[int, ...]:
    """Uniform over every order."""
    order = list(range(count))
    rng.shuffle(order)
    return tuple(order)


def shuffled_away_from_key(rng: random.Random, count: int) -> tuple[int, ...]:
    """Uniform over every order except the authored one, which would give the answer away.

    With two items the only other order is the reverse, which gives it away just as well: lms check
    refuses such questions, and this shows them in file order rather than pretend.
    """
    if count < 3:
        return tuple(range(count))
    while True:
        order = shuffled(rng, count)
        if order != tuple(range(count)):
            return order


def has_value(answer: Answer) -> bool:
    return answer not in (None, "", [], {})


def fraction(right: int, total: int) -> float:
    return right / total if total else 0.0


class QuestionType(ABC):
    """One kind of question. Subclasses are stateless; the registry holds one instance of each."""

    name: ClassVar[str]
    spec: ClassVar[type[QuestionSpec]]
    input_template: ClassVar[str]  # Jinja: the form controls (question, qlayout, answer, name, qid)
    review_template: ClassVar[str]  # Jinja: the review body (item)

    @abstractmethod
    def build(self, spec: Any, context: BuildContext) -> Any:
        """The type's data for the catalog (a frozen dataclass), with its Markdown rendered."""

    @abstractmethod
    def dump(self, data: Any) -> dict[str, Any]:
        """The data as JSON for an exam version (keys beside id, prompt_html, points...)."""

    @abstractmethod
    def load(self, stored: dict[str, Any]) -> Any:
        """The data back from an exam version, including versions stored by earlier releases."""

    def option_count(self, data: Any) -> int:
        return 0

    def arrange(self, data: Any, rng: random.Random, shuffle: bool) -> tuple[int, ...]:
        """Display order of the options for one attempt (exam-level `shuffle` asked for or not)."""
        return shuffled(rng, self.option_count(data)) if shuffle else tuple(range(self.option_count(data)))

    @abstractmethod
    def read(self, data: Any, qlayout: QuestionLayout, values: FormValues, name: str) -> Answer:
        """The learner's answer from the submitted form."""

    @abstractmethod
    def score(self, data: Any, answer: Answer) -> float:
        """A fraction of the question's points, 0..1."""

    def answered(self, answer: Answer) -> bool:
        return has_value(answer)

    @abstractmethod
    def review(self, data: Any, qlayout: QuestionLayout, answer: Answer) -> ReviewParts:
        """What the review page shows: the learner's answer beside the right one."""

    @abstractmethod
    def form_values(self, data: Any, qlayout: QuestionLayout, name: str, right: bool) -> dict[str, list[str]]:
        """A form that answers the question right (or wrong): for demo data, benchmarks and tests."""


VALUE_REVIEW_TEMPLATE = """<dl class="summary-list"><dt>Your answer</dt><dd>{{ item.learner_text }}</dd>
<dt>Correct answer</dt><dd>{{ item.expected_text }}</dd></dl>"""


def table_review_template(first_column: str) -> str:
    """A review table: one row per match, step or blank, the learner's answer beside the right one."""
    return """<div class="table-scroll" tabindex="0" role="region" aria-label="Your answers and the correct ones">
<table class="data">
  <thead><tr><th scope="col">""" + first_column + """</th><th scope="col">Your answer</th>
  <th scope="col">Correct answer</th></tr></thead>
  <tbody>
  {%- for row in item.rows %}
  <tr><td>{{ row.html | safe }}</td><td>{{ row.learner | safe }}{% if not row.correct %} <span class="visually-hidden">(wrong)</span>✗{% else %} <span class="visually-hidden">(right)</span>✓{% endif %}</td><td>{{ row.expected | safe }}</td></tr>
  {%- endfor %}
  </tbody>
</table>
</div>"""
