"""The immutable, rendered view of all content that the rest of the app reads.

Keys are stable across edits and reorderings: a program is its folder (`py2022`), a track is
`py2022/marketplace`, a module drops its number prefix (`py2022/marketplace/eligibility`), an
exam is its path under quizzes/ without `.yaml`, an agreement is `py2022/general`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lms.content.markdown import Heading
from lms.content.problems import Problem, count_by_severity


@dataclass(frozen=True)
class Condition:
    """An unlock condition: kind is registration | completed | accepted | satisfied."""

    kind: str
    value: str

    def describe(self, catalog: Catalog, program_key: str) -> str:
        if self.kind == "registration":
            program = catalog.programs.get(program_key)
            registration = program.registration(self.value) if program else None
            return f"your {registration.title if registration else 'Marketplace'} registration is complete"
        if self.kind == "completed":
            track = catalog.tracks.get(f"{program_key}/{self.value}")
            return f"you complete {track.title if track else self.value}"
        if self.kind == "accepted":
            agreement = catalog.agreements.get(f"{program_key}/{self.value}")
            return f"you accept the {agreement.title if agreement else self.value}"
        return f"you meet the {self.value.replace('-', ' ')} requirement"


REVIEW_LEVELS = ("score", "marks", "answers", "explanations")  # each shows what the one before it shows, and more

# The single-word review settings of the first releases, as the policies they always meant.
REVIEW_SHORTHANDS: dict[str, dict[str, str]] = {
    "always": {"after_attempt": "explanations", "after_pass": "explanations", "after_last": "explanations"},
    "after_pass": {"after_attempt": "score", "after_pass": "explanations", "after_last": "score"},
    "after_final": {"after_attempt": "score", "after_pass": "explanations", "after_last": "explanations"},
    "never": {"after_attempt": "score", "after_pass": "score", "after_last": "score"},
}


@dataclass(frozen=True)
class ReviewPolicy:
    """What a learner may see of their submitted attempts at each moment: after any attempt, once they
    have passed, and once their last attempt is used. The most generous moment that applies wins."""

    after_attempt: str = "marks"
    after_pass: str = "explanations"
    after_last: str = "marks"

    @classmethod
    def read(cls, stored: Any) -> ReviewPolicy:
        """From an exam version: a mapping, or a shorthand word stored by an earlier release."""
        return cls(**(REVIEW_SHORTHANDS[stored] if isinstance(stored, str) else stored))

    def level(self, passed: bool, final: bool) -> str:
        applicable = [self.after_attempt] + ([self.after_pass] if passed else []) + ([self.after_last] if final else [])
        return max(applicable, key=REVIEW_LEVELS.index)

    def moments(self, limited_attempts: bool) -> list[tuple[str, str]]:
        """(moment, level) for learners to read: after each attempt, then each later moment that shows more."""
        found = [("after_attempt", self.after_attempt)]
        later = [("after_pass", self.after_pass)] + ([("after_last", self.after_last)] if limited_attempts else [])
        base = REVIEW_LEVELS.index(self.after_attempt)
        return found + [(moment, level) for moment, level in later if REVIEW_LEVELS.index(level) > base]

    def shows_key(self, passed: bool, final: bool) -> bool:
        return REVIEW_LEVELS.index(self.level(passed, final)) >= REVIEW_LEVELS.index("answers")


@dataclass(frozen=True)
class Question:
    """One exam question with its answer key; only services and review pages read the key.

    `data` is what its type (lms.questions) keeps: choices, pairs, items, the answer and so on.
    """

    id: str
    type: str
    prompt_html: str
    points: float
    explanation_html: str
    data: Any
    see: str | None = None  # "#anchor" or "01-file.md#anchor": the section that teaches it
    topic: str | None = None


@dataclass(frozen=True)
class Exam:
    key: str
    title: str
    description_html: str
    pass_percent: float
    attempts: int | None
    grading: str
    time_limit_minutes: int | None
    shuffle: bool
    draw: int | None
    review: ReviewPolicy
    questions: tuple[Question, ...]
    content_hash: str
    source: str
    topics: tuple[tuple[str, int], ...] = ()  # (topic, how many to draw from it), in the author's order

    @cached_property
    def questions_by_id(self) -> Mapping[str, Question]:
        """Each question by its id; built once per exam (or stored version), not on every request."""
        return MappingProxyType({question.id: question for question in self.questions})

    @property
    def question_count(self) -> int:
        if self.topics:
            return sum(count for _, count in self.topics)
        return self.draw or len(self.questions)

    @property
    def drawn(self) -> bool:
        """Whether attempts ask a selection of the questions rather than all of them."""
        return self.question_count < len(self.questions)


@dataclass(frozen=True)
class Module:
    key: str
    track_key: str
    slug: str
    title: str
    minutes: int | None
    objectives: tuple[str, ...]
    exam_key: str | None
    html: str
    headings: tuple[Heading, ...]
    content_hash: str
    source: str
    sources_html: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agreement:
    key: str
    program_key: str
    slug: str
    title: str
    version: str
    requires_signature: bool
    html: str
    text_sha256: str
    source: str
    sources_html: tuple[str, ...] = ()


@dataclass(frozen=True)
class Track:
    key: str
    program_key: str
    slug: str
    title: str
    description_html: str
    audience: str
    required: bool
    satisfies: str | None
    unlock: tuple[Condition, ...]
    module_keys: tuple[str, ...]
    source: str
    minimum_time_percent: float | None = None  # overrides the program's


@dataclass(frozen=True)
class Registration:
    """One of a program's registrations: complete when its training and agreements are done (plus the
    profile with a valid NPN, identity verified and the profile confirmed for the plan year)."""

    key: str
    title: str
    training: str | None
    agreement_keys: tuple[str, ...]


@dataclass(frozen=True)
class Program:
    key: str
    title: str
    plan_year: int
    opens: dt.date
    closes: dt.date | None
    open_enrollment: dt.date | None
    previous: str | None
    description_html: str
    agreement_keys: tuple[str, ...]
    registrations: tuple[Registration, ...]
    track_keys: tuple[str, ...]
    source: str
    # The share of each module's `minutes` an agent must spend on it before marking it complete.
    minimum_time_percent: float | None = None

    def registration(self, key: str) -> Registration | None:
        """A registration by key; `complete` (the first release's word) names the first one."""
        if key == "complete":
            return self.registrations[0] if self.registrations else None
        return next((registration for registration in self.registrations if registration.key == key), None)

    @property
    def registration_training(self) -> str | None:
        """The training requirement of the Marketplace registration (the first that has one)."""
        return next((r.training for r in self.registrations if r.training), None)

    @property
    def registration_agreement_keys(self) -> tuple[str, ...]:
        return self.registrations[0].agreement_keys if self.registrations else ()

    def is_open(self, today: dt.date) -> bool:
        return self.opens <= today and (self.closes is None or today <= self.closes)


def _frozen(mapping: dict) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Catalog:
    root: Path
    programs: Mapping[str, Program] = field(default_factory=dict)
    tracks: Mapping[str, Track] = field(default_factory=dict)
    modules: Mapping[str, Module] = field(default_factory=dict)
    exams: Mapping[str, Exam] = field(default_factory=dict)
    agreements: Mapping[str, Agreement] = field(default_factory=dict)
    assets: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = ()
    file_count: int = 0
    _module_by_exam: Mapping[str, Module] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("programs", "tracks", "modules", "exams", "agreements"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        by_exam: dict[str, Module] = {}
        for module in self.modules.values():
            if module.exam_key:
                by_exam.setdefault(module.exam_key, module)
        object.__setattr__(self, "_module_by_exam", _frozen(by_exam))

    def module_for_exam(self, exam_key: str) -> Module | None:
        """The module an exam belongs to (the first one listing it)."""
        return self._module_by_exam.get(exam_key)

    @property
    def error_count(self) -> int:
        return count_by_severity(self.problems)[0]

    @property
    def warning_count(self) -> int:
        return count_by_severity(self.problems)[1]

    def programs_newest_first(self) -> list[Program]:
        return sorted(self.programs.values(), key=lambda p: (p.plan_year, p.key), reverse=True)

    def current_program(self, today: dt.date) -> Program | None:
        """The newest program that has opened; the newest of all when none has opened yet."""
        programs = self.programs_newest_first()
        opened = [program for program in programs if program.is_open(today)]
        return (opened or programs)[0] if programs else None

    def tracks_of(self, program: Program) -> list[Track]:
        return [self.tracks[key] for key in program.track_keys if key in self.tracks]

    def modules_of(self, track: Track) -> list[Module]:
        return [self.modules[key] for key in track.module_keys if key in self.modules]

    def agreements_of(self, program: Program) -> list[Agreement]:
        return [self.agreements[key] for key in program.agreement_keys if key in self.agreements]

    def minimum_seconds(self, module: Module) -> int:
        """Seconds an agent must spend on the module before it may be marked complete (0: no minimum)."""
        track = self.tracks.get(module.track_key)
        program = self.programs.get(track.program_key) if track else None
        percent = track.minimum_time_percent if track and track.minimum_time_percent is not None else (
            program.minimum_time_percent if program else None)
        if not percent or not module.minutes:
            return 0
        return math.ceil(module.minutes * 60 * percent / 100)

    def neighbours(self, module: Module) -> tuple[Module | None, Module | None]:
        modules = self.modules_of(self.tracks[module.track_key])
        index = modules.index(module)
        previous = modules[index - 1] if index > 0 else None
        following = modules[index + 1] if index + 1 < len(modules) else None
        return previous, following
