"""What authors may write in each content file, as pydantic models.

Every model forbids unknown keys. Optional keys carry their documented default here, and
docs/authoring.md lists the same defaults. Rules that need more than one field (exactly one
correct choice, unique ids, ...) are `check_*` methods so each can point at its own place.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictBool, StrictInt, StringConstraints
from pydantic_core import PydanticCustomError

from lms.content.catalog import REVIEW_SHORTHANDS
from lms.content.fields import (
    EXAM_REF_PATTERN,
    Count,
    Key,
    LocalProblem,
    Markdown,
    Minutes,
    Percent,
    Spec,
    Text,
    between,
    duplicates,
    quoted_text,
)

# --- program.yaml -------------------------------------------------------------------------

class RegistrationSpec(Spec):
    """One registration of a program (Individual Marketplace, SHOP, ...): what completing it needs."""

    title: Text
    training: Key | None = None
    agreements: list[Key] = []


class OldRegistrationSpec(Spec):
    """The first release's single `registration:` block; read as `registrations: {individual: ...}`."""

    training: Key
    agreements: list[Key] = []


class ProgramSpec(Spec):
    title: Text
    plan_year: Annotated[StrictInt, between(2000, 2100)]
    opens: dt.date
    closes: dt.date | None = None
    open_enrollment: dt.date | None = None
    previous: Key | None = None
    description: Markdown = ""
    agreements: list[Key] = []
    registrations: dict[Key, RegistrationSpec] | None = None
    registration: OldRegistrationSpec | None = None
    tracks: Annotated[list[Key], Field(min_length=1)]
    minimum_time_percent: Percent | None = None

    def check_registrations(self) -> list[LocalProblem]:
        if self.registrations is not None and self.registration is not None:
            return [(("registration",), "invalid-value",
                     "write either `registrations:` or the old `registration:`, not both")]
        if self.registrations is None and self.registration is None:
            return [((), "missing-key", "missing required key 'registrations'")]
        if self.registration is not None:
            return [(("registration",), "old-form", "`registration:` is the old form: write `registrations:` with "
                     "one entry per registration, e.g. `individual: {title: Individual Marketplace, training: "
                     f"{self.registration.training}, agreements: [...]}}`")]
        if not self.registrations:
            return [(("registrations",), "too-few", "registrations needs at least 1 item")]
        return []

    def registration_items(self) -> dict[str, RegistrationSpec]:
        """Every registration, the old single form read as `individual`."""
        if self.registrations:
            return dict(self.registrations)
        if self.registration is not None:
            return {"individual": RegistrationSpec(title="Individual Marketplace",
                                                   training=self.registration.training,
                                                   agreements=self.registration.agreements)}
        return {}

    def check_duplicates(self) -> list[LocalProblem]:
        return duplicates("tracks", self.tracks) + duplicates("agreements", self.agreements)

    def check_dates(self) -> list[LocalProblem]:
        if self.closes and self.closes < self.opens:
            return [(("closes",), "invalid-value", "closes must not be before opens")]
        return []


# --- track.yaml ---------------------------------------------------------------------------

CONDITION_KINDS = ("registration", "completed", "accepted", "satisfied")


class UnlockSpec(Spec):
    """One unlock condition; exactly one of its keys is set."""

    registration: Key | None = None  # a registration's key; `complete` names the program's first
    completed: Key | None = None
    accepted: Key | None = None
    satisfied: Key | None = None

    @property
    def kind(self) -> str:
        return next(kind for kind in CONDITION_KINDS if getattr(self, kind) is not None)

    @property
    def value(self) -> str:
        return getattr(self, self.kind)

    def check_one_kind(self) -> list[LocalProblem]:
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
    minimum_time_percent: Percent | None = None

    def check_duplicate_modules(self) -> list[LocalProblem]:
        return duplicates("modules", self.modules)

    def check_conditions(self) -> list[LocalProblem]:
        return [(("unlock", index) + path, code, message)
                for index, condition in enumerate(self.unlock) for path, code, message in condition.problems()]


# --- module and agreement front matter ------------------------------------------------------

class ModuleSpec(Spec):
    title: Text
    minutes: Minutes | None = None
    objectives: list[Text] = []
    exam: Annotated[str, StringConstraints(pattern=EXAM_REF_PATTERN)] | None = None
    sources: list[Text] = []


class AgreementSpec(Spec):
    title: Text
    version: Annotated[Text, BeforeValidator(quoted_text)]
    requires_signature: StrictBool = True
    sources: list[Text] = []


# --- exams (each question type's schema lives with the type, in lms.questions) -------------------

ReviewLevel = Literal["score", "marks", "answers", "explanations"]


class ReviewSpec(Spec):
    """What learners see of their attempts: after any attempt, once passed, once the last attempt is used."""

    after_attempt: ReviewLevel = "marks"
    after_pass: ReviewLevel = "explanations"
    after_last: ReviewLevel = "marks"


def review_shorthand(value: Any) -> Any:
    if isinstance(value, str):
        if value not in REVIEW_SHORTHANDS:
            raise PydanticCustomError(
                "review_word", "must be one of {words}, or a mapping of after_attempt, after_pass and after_last "
                "(got {got!r})", {"words": ", ".join(REVIEW_SHORTHANDS), "got": value})
        return REVIEW_SHORTHANDS[value]
    return value


class ExamSpec(Spec):
    """An exam's settings; each question is validated on its own against its type's schema (lms.questions)."""

    title: Text
    description: Markdown = ""
    pass_percent: Percent
    attempts: Count | None = None
    grading: Literal["highest", "last", "first", "average"] = "highest"
    time_limit_minutes: Minutes | None = None
    shuffle: StrictBool = False
    draw: Count | None = None
    topics: dict[Key, Count] = {}
    review: Annotated[ReviewSpec, BeforeValidator(review_shorthand)] = ReviewSpec()
    questions: Annotated[list[dict[Any, Any]], Field(min_length=1)]
