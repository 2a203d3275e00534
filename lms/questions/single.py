"""`single`: pick the one right choice (radio buttons)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lms.content.fields import LocalProblem
from lms.questions import choices
from lms.questions.base import BuildContext, FormValues, QuestionLayout, QuestionType, ReviewParts, first_value


class SingleSpec(choices.ChoicesSpec):
    def check_one_correct(self) -> list[LocalProblem]:
        correct = sum(choice.correct for choice in self.choices)
        if correct != 1:
            return [(("choices",), "correct-count",
                     f"a single-choice question needs exactly one correct choice (found {correct})")]
        return []


@dataclass(frozen=True)
class SingleData:
    choices: tuple[choices.Choice, ...]


class Single(QuestionType):
    name = "single"
    spec = SingleSpec
    input_template = choices.input_template("radio")
    review_template = choices.REVIEW_TEMPLATE

    def build(self, spec: SingleSpec, context: BuildContext) -> SingleData:
        return SingleData(choices.build_choices(spec, context))

    def dump(self, data: SingleData) -> dict[str, Any]:
        return {"choices": [vars(choice) for choice in data.choices]}

    def load(self, stored: dict[str, Any]) -> SingleData:
        return SingleData(choices.load_choices(stored))

    def option_count(self, data: SingleData) -> int:
        return len(data.choices)

    def read(self, data: SingleData, qlayout: QuestionLayout, values: FormValues, name: str) -> int | None:
        return qlayout.index_of(first_value(values, name))

    def score(self, data: SingleData, answer: Any) -> float:
        return 1.0 if isinstance(answer, int) and 0 <= answer < len(data.choices) \
            and data.choices[answer].correct else 0.0

    def review(self, data: SingleData, qlayout: QuestionLayout, answer: Any) -> ReviewParts:
        return choices.review_choices(data.choices, qlayout, {answer} if isinstance(answer, int) else set())

    def form_values(self, data: SingleData, qlayout: QuestionLayout, name: str, right: bool) -> dict[str, list[str]]:
        pick = next(i for i, choice in enumerate(data.choices) if choice.correct == right)
        return {name: [qlayout.tokens[pick]]}


TYPE = Single()
