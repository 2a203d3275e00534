"""`numeric`: the learner types a number; answers within `tolerance` count."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from lms.content.fields import Number
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

MAX_ANSWER_LENGTH = 50


class NumericSpec(QuestionSpec):
    answer: Number
    tolerance: Annotated[Number, Field(ge=0)] = 0
    unit: str | None = None


@dataclass(frozen=True)
class NumericData:
    answer: float
    tolerance: float
    unit: str | None


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


def _number(value: float) -> str:
    return f"{value:g}"


class Numeric(QuestionType):
    name = "numeric"
    spec = NumericSpec
    input_template = """<div class="field">
  <label for="{{ qid }}-answer">Your answer{% if question.data.unit %} (in {{ question.data.unit }}){% endif %}</label>
  <input type="text" inputmode="decimal" autocomplete="off" id="{{ qid }}-answer" name="{{ name }}" value="{{ answer or '' }}" class="short">
</div>"""
    review_template = VALUE_REVIEW_TEMPLATE

    def build(self, spec: NumericSpec, context: BuildContext) -> NumericData:
        return NumericData(float(spec.answer), float(spec.tolerance), spec.unit)

    def dump(self, data: NumericData) -> dict[str, Any]:
        return {"answer": data.answer, "tolerance": data.tolerance, "unit": data.unit}

    def load(self, stored: dict[str, Any]) -> NumericData:
        return NumericData(float(stored["answer"]), float(stored.get("tolerance") or 0), stored.get("unit"))

    def read(self, data: NumericData, qlayout: QuestionLayout, values: FormValues, name: str) -> str:
        return first_value(values, name)[:MAX_ANSWER_LENGTH]

    def score(self, data: NumericData, answer: Any) -> float:
        number = parse_number(answer)
        if number is None:
            return 0.0
        return 1.0 if abs(number - data.answer) <= data.tolerance + 1e-9 else 0.0

    def review(self, data: NumericData, qlayout: QuestionLayout, answer: Any) -> ReviewParts:
        unit = f" {data.unit}" if data.unit else ""
        given = f"{answer}{unit}" if answer else "No answer"
        if answer and parse_number(answer) is None:
            given += " (not read as a number)"
        expected = f"{_number(data.answer)}{unit}"
        if data.tolerance:
            expected += f" (answers within {_number(data.tolerance)} count)"
        return ReviewParts(learner_text=given, expected_text=expected)

    def form_values(self, data: NumericData, qlayout: QuestionLayout, name: str, right: bool) -> dict[str, list[str]]:
        return {name: [_number(data.answer if right else data.answer + 1000)]}


TYPE = Numeric()
