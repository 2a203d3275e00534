"""The building blocks of the content schemas: the value types and the base model every schema uses.

Question types (lms.questions) build their schemas from these too.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StrictFloat,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

# (relative key path, error code, message) for cross-field rules inside one file.
LocalProblem = tuple[tuple[Any, ...], str, str]

KEY_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
EXAM_REF_PATTERN = r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*$"


def between(low: float, high: float):
    def check(value: float) -> float:
        if not low <= value <= high:
            raise PydanticCustomError(
                "out_of_range", "must be between {low} and {high} (got {got})",
                {"low": low, "high": high, "got": value},
            )
        return value

    return AfterValidator(check)


def quoted_text(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise PydanticCustomError(
            "quote_number", "must be text: write it in quotes, e.g. \"{got}\"", {"got": value}
        )
    return value


Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Markdown = str
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Number = StrictInt | StrictFloat
Percent = Annotated[Number, between(0, 100)]
Count = Annotated[StrictInt, between(1, 10_000)]
Minutes = Annotated[StrictInt, between(1, 1_440)]


class Spec(BaseModel):
    """A schema: unknown keys are refused; rules across fields are its `check_*` methods."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    def problems(self) -> list[LocalProblem]:
        """What every `check_*` method finds. On a spec salvaged from a file with errors, a rule that
        needs a field the author got wrong is skipped: it cannot be judged yet, so it is not guessed."""
        found: list[LocalProblem] = []
        for name in sorted(_check_names(type(self))):
            try:
                found += getattr(self, name)()
            except AttributeError:
                continue
        return found


def _check_names(model: type) -> set[str]:
    return {name for klass in model.__mro__ for name in vars(klass) if name.startswith("check_")}


def duplicates(field: str, values: list[Any], subkey: str | None = None) -> list[LocalProblem]:
    seen: set[Any] = set()
    found: list[LocalProblem] = []
    for index, value in enumerate(values):
        if value in seen:
            path = (field, index, subkey) if subkey else (field, index)
            found.append((path, "duplicate-item", f"{value!r} appears more than once in {field}"))
        seen.add(value)
    return found
