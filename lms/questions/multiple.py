"""`multiple`: select all that apply (checkboxes), all or nothing unless `partial: true`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import StrictBool

from lms.content.fields import LocalProblem
from lms.questions import choices
from lms.questions.base import BuildContext, FormValues, QuestionLayout, QuestionType, ReviewParts


class MultipleSpec(choices.ChoicesSpec):
    partial: StrictBool = False

    def check_some_correct(self) -> list[LocalProblem]:
        if not any(choice.correct for choice in self.choices):
            return [(("choices",), "correct-count", "a multiple-choice question needs at least one correct choice")]
        return []


@dataclass(frozen=True)
class MultipleData:
    choices: tuple[choices.Choice, ...]
    partial: bool


class Multiple(QuestionType):
    name = "multiple"
    spec = MultipleSpec
    input_template = choices.input_template("checkbox")
    review_template = choices.REVIEW_TEMPLATE

    def build(self, spec: MultipleSpec, context: BuildContext) -> MultipleData:
        return MultipleData(choices.build_choices(spec, context), spec.partial)

    def dump(self, data: MultipleData) -> dict[str, Any]:
        return {"choices": [vars(choice) for choice in data.choices], "partial": data.partial}

    def load(self, stored: dict[str, Any]) -> MultipleData:
        return MultipleData(choices.load_choices(stored), bool(stored.get("partial", False)))

    def option_count(self, data: MultipleData) -> int:
        return len(data.choices)

    def read(self, data: MultipleData, qlayout: QuestionLayout, values: FormValues, name: str) -> list[int]:
        picked = {qlayout.index_of(token) for token in values(name)}
        return sorted(index for index in picked if index is not None)

    def score(self, data: MultipleData, answer: Any) -> float:
        chosen = {i for i in answer or [] if isinstance(i, int) and 0 <= i < len(data.choices)}
        correct = {i for i, choice in enumerate(data.choices) if choice.correct}
        if not data.partial:
            return 1.0 if chosen == correct else 0.0
        # Partial credit: each right pick earns a share, each wrong pick takes one back, never below 0.
        return max(0.0, (len(chosen & correct) - len(chosen - correct)) / len(correct))

    def review(self, data: MultipleData, qlayout: QuestionLayout, answer: Any) -> ReviewParts:
        return choices.review_choices(data.choices, qlayout, set(answer or []))

    def form_values(self, data: MultipleData, qlayout: QuestionLayout, name: str, right: bool) -> dict[str, list[str]]:
        picks = [i for i, choice in enumerate(data.choices) if choice.correct == right]
        return {name: [qlayout.tokens[i] for i in picks]}


TYPE = Multiple()
