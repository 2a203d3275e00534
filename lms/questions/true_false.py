"""`true_false`: a statement the learner marks true or false."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import StrictBool

from lms.questions.base import (
    VALUE_REVIEW_TEMPLATE,
    BuildContext,
    FormValues,
    QuestionLayout,
    QuestionSpec,
    QuestionType,
    ReviewParts,
    first_value,
)

_WORDS = {True: "True", False: "False", None: "No answer"}


class TrueFalseSpec(QuestionSpec):
    answer: StrictBool


@dataclass(frozen=True)
class TrueFalseData:
    answer: bool


class TrueFalse(QuestionType):
    name = "true_false"
    spec = TrueFalseSpec
    input_template = """<ul class="options">
  {%- for value, label in [('true', 'True'), ('false', 'False')] %}
  <li>
    <input type="radio" id="{{ qid }}-{{ value }}" name="{{ name }}" value="{{ value }}"
      {%- if answer is not none and (answer | string | lower) == value %} checked{% endif %}>
    <label for="{{ qid }}-{{ value }}">{{ label }}</label>
  </li>
  {%- endfor %}
</ul>"""
    review_template = VALUE_REVIEW_TEMPLATE

    def build(self, spec: TrueFalseSpec, context: BuildContext) -> TrueFalseData:
        return TrueFalseData(spec.answer)

    def dump(self, data: TrueFalseData) -> dict[str, Any]:
        return {"answer": data.answer}

    def load(self, stored: dict[str, Any]) -> TrueFalseData:
        return TrueFalseData(bool(stored["answer"]))

    def read(self, data: TrueFalseData, qlayout: QuestionLayout, values: FormValues, name: str) -> bool | None:
        return {"true": True, "false": False}.get(first_value(values, name).lower())

    def score(self, data: TrueFalseData, answer: Any) -> float:
        return 1.0 if isinstance(answer, bool) and answer == data.answer else 0.0

    def review(self, data: TrueFalseData, qlayout: QuestionLayout, answer: Any) -> ReviewParts:
        return ReviewParts(learner_text=_WORDS.get(answer, "No answer"), expected_text=_WORDS[data.answer])

    def form_values(self, data: TrueFalseData, qlayout: QuestionLayout, name: str, right: bool) -> dict[str, list[str]]:
        return {name: [str(data.answer == right).lower()]}


TYPE = TrueFalse()
