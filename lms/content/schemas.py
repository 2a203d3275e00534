"""What authors may write in each content file, as pydantic models.

Every model forbids unknown keys. Optional keys carry their documented default here, and
docs/authoring.md lists the same defaults. Rules that need more than one field (exactly one
correct choice, unique ids, ...) are `problems()` methods so each can point at its own place.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

# (relative key path, error code, message) for cross-field rules inside one file.
LocalProblem = tuple[tuple[Any, ...], str, str]

KEY_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
EXAM_REF_PATTERN = r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*$"


def _between(low: float, high: float):
    def check(value: float) -> float:
        if not low <= value <= high:
            raise PydanticCustomError(
                "out_of_range", "must be between {low} and {high} (got {got})",
                {"low": low, "high": high, "got": value},
            )
        return value

    return AfterValidator(check)


def _quoted_text(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise PydanticCustomError(
            "quote_number", "must be text: write it in quotes, e.g. \"{got}\"", {"got": value}
        )
    return value


Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Markdown = str
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Number = StrictInt | StrictFloat
Percent = Annotated[Number, _between(0, 100)]
Count = Annotated[StrictInt, _between(1, 10_000)]
Minutes = Annotated[StrictInt, _between(1, 1_440)]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    def problems(self) -> list[LocalProblem]:
        return []


# --- program.yaml -------------------------------------------------------------------------

class RegistrationSpec(Spec):
    training: Key
    agreements: list[Key] = []


class ProgramSpec(Spec):
    title: Text
    plan_year: Annotated[StrictInt, _between(2000, 2100)]
    opens: dt.date
    closes: dt.date | None = None
    open_enrollment: dt.date | None = None
    previous: Key | None = None
    description: Markdown = ""
    agreements: list[Key] = []
    registration: RegistrationSpec
    tracks: Annotated[list[Key], Field(min_length=1)]

    def problems(self) -> list[LocalProblem]:
        found = _duplicates("tracks", self.tracks) + _duplicates("agreements", self.agreements)
        if self.closes and self.closes < self.opens:
            found.append((("closes",), "invalid-value", "closes must not be before opens"))
        return found


# --- track.yaml ---------------------------------------------------------------------------

CONDITION_KINDS = ("registration", "completed", "accepted", "satisfied")


class UnlockSpec(Spec):
    """One unlock condition; exactly one of its keys is set."""

    registration: Literal["complete"] | None = None
    completed: Key | None = None
    accepted: Key | None = None
    satisfied: Key | None = None

    @property
    def kind(self) -> str:
        return next(kind for kind in CONDITION_KINDS if getattr(self, kind) is not None)

    @property
    def value(self) -> str:
        return getattr(self, self.kind)

    def problems(self) -> list[LocalProblem]:
        given = [kind for kind in CONDITION_KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            return [((), "invalid-value",
                     "an unlock condition needs exactly one of: " + ", ".join(CONDITION_KINDS))]
        return []


ModuleFile = Annotated[str, StringConstraints(pattern=r"^[^/\\]+\.md$")]


class TrackSpec(Spec):
    title: Text
    description: Markdown = ""
    audience: Literal["new", "returning", "all"] = "all"
    required: StrictBool = False
    satisfies: Key | None = None
    unlock: list[UnlockSpec] = []
    modules: Annotated[list[ModuleFile], Field(min_length=1)]

    def problems(self) -> list[LocalProblem]:
        found = _duplicates("modules", self.modules)
        for index, condition in enumerate(self.unlock):
            found += [(("unlock", index) + path, code, message)
                      for path, code, message in condition.problems()]
        return found


# --- module and agreement front matter ------------------------------------------------------

class ModuleSpec(Spec):
    title: Text
    minutes: Minutes | None = None
    objectives: list[Text] = []
    exam: Annotated[str, StringConstraints(pattern=EXAM_REF_PATTERN)] | None = None
    sources: list[Text] = []


class AgreementSpec(Spec):
    title: Text
    version: Annotated[Text, BeforeValidator(_quoted_text)]
    requires_signature: StrictBool = True
    sources: list[Text] = []


# --- exams --------------------------------------------------------------------------------

class ChoiceSpec(Spec):
    text: Text
    correct: StrictBool = False
    feedback: Markdown = ""


class PairSpec(Spec):
    left: Text
    right: Text


class QuestionSpec(Spec):
    id: Key
    type: str
    prompt: Text
    points: Annotated[Number, _between(0.01, 1000)] = 1
    explanation: Markdown = ""


class SingleSpec(QuestionSpec):
    choices: Annotated[list[ChoiceSpec], Field(min_length=2)]

    def problems(self) -> list[LocalProblem]:
        correct = sum(choice.correct for choice in self.choices)
        found = _duplicates("choices", [choice.text for choice in self.choices], "text")
        if correct != 1:
            found.append((("choices",), "correct-count",
                          f"a single-choice question needs exactly one correct choice (found {correct})"))
        return found


class MultipleSpec(QuestionSpec):
    choices: Annotated[list[ChoiceSpec], Field(min_length=2)]
    partial: StrictBool = False

    def problems(self) -> list[LocalProblem]:
        found = _duplicates("choices", [choice.text for choice in self.choices], "text")
        if not any(choice.correct for choice in self.choices):
            found.append((("choices",), "correct-count",
                          "a multiple-choice question needs at least one correct choice"))
        return found


class TrueFalseSpec(QuestionSpec):
    answer: StrictBool


class NumericSpec(QuestionSpec):
    answer: Number
    tolerance: Annotated[Number, Field(ge=0)] = 0
    unit: str | None = None


class MatchingSpec(QuestionSpec):
    pairs: Annotated[list[PairSpec], Field(min_length=2)]

    def problems(self) -> list[LocalProblem]:
        return (_duplicates("pairs", [pair.left for pair in self.pairs], "left")
                + _duplicates("pairs", [pair.right for pair in self.pairs], "right"))


class OrderingSpec(QuestionSpec):
    items: Annotated[list[Text], Field(min_length=2)]

    def problems(self) -> list[LocalProblem]:
        return _duplicates("items", self.items)


QUESTION_SPECS: dict[str, type[QuestionSpec]] = {
    "single": SingleSpec,
    "multiple": MultipleSpec,
    "true_false": TrueFalseSpec,
    "numeric": NumericSpec,
    "matching": MatchingSpec,
    "ordering": OrderingSpec,
}


class ExamSpec(Spec):
    """An exam's settings; its questions are validated one by one against QUESTION_SPECS."""

    title: Text
    description: Markdown = ""
    pass_percent: Percent
    attempts: Count | None = None
    grading: Literal["highest", "last", "first", "average"] = "highest"
    time_limit_minutes: Minutes | None = None
    shuffle: StrictBool = False
    draw: Count | None = None
    review: Literal["always", "after_pass", "after_final", "never"] = "after_pass"
    questions: Annotated[list[dict[Any, Any]], Field(min_length=1)]


def _duplicates(field: str, values: list[Any], subkey: str | None = None) -> list[LocalProblem]:
    seen: set[Any] = set()
    found: list[LocalProblem] = []
    for index, value in enumerate(values):
        if value in seen:
            path = (field, index, subkey) if subkey else (field, index)
            found.append((path, "duplicate-item", f"{value!r} appears more than once in {field}"))
        seen.add(value)
    return found
