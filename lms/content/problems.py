"""Problems found in content, each with the place an author must look."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]

# Every code `lms check` can print, with its severity; docs/authoring.md §5 explains each one.
PROBLEM_CODES: dict[str, Severity] = {
    # reading files
    "unreadable": "error", "unsafe-file": "error", "not-utf8": "error", "yaml-syntax": "error",
    "duplicate-key": "error", "no-front-matter": "error",
    # keys and values
    "missing-key": "error", "unknown-key": "error", "invalid-type": "error", "invalid-value": "error",
    "out-of-range": "error", "too-few": "error", "empty-value": "error", "duplicate-item": "error",
    "correct-count": "error",
    # exams
    "duplicate-id": "error", "draw-too-large": "error", "draw-conflict": "error", "missing-topic": "error",
    "unknown-topic": "error", "unknown-exam": "error", "unused-exam": "warning",
    # Markdown
    "raw-html": "error", "unknown-callout": "warning", "broken-link": "error", "broken-image": "error",
    # programs, tracks and files
    "missing-file": "error", "unknown-agreement": "error", "unknown-track": "error", "unknown-requirement": "error",
    "unsatisfied-requirement": "error", "unlock-cycle": "error", "unlock-dead-end": "error",
    "duplicate-module": "error", "unlisted-track": "warning", "unlisted-agreement": "warning",
    "unlisted-module": "warning", "stray-file": "warning", "old-form": "warning", "unknown-registration": "error",
    "unknown-anchor": "error", "true-false-balance": "warning", "longest-correct": "warning",
    "giveaway-length": "warning", "no-feedback": "warning", "duplicate-prompt": "warning",
    "answer-in-prompt": "warning",
}


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of `lms check`; path is relative to the content root, line and column 1-based."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str

    def __post_init__(self) -> None:
        if PROBLEM_CODES.get(self.code) != self.severity:
            raise ValueError(f"problem code {self.code!r} ({self.severity}) is not in PROBLEM_CODES; add it there "
                             "and explain it in docs/authoring.md")

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message} [{self.code}]"

    def as_dict(self) -> dict:
        return asdict(self)


class ProblemSink:
    """Collects problems for one file so a check never stops at the first one."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def error(self, code: str, message: str, line: int = 1, column: int = 1) -> None:
        self.problems.append(Problem(self.path, line, column, "error", code, message))

    def report(self, code: str, message: str, line: int = 1, column: int = 1) -> None:
        """A problem whose severity its code decides."""
        self.problems.append(Problem(self.path, line, column, PROBLEM_CODES.get(code, "error"), code, message))

    def warning(self, code: str, message: str, line: int = 1, column: int = 1) -> None:
        self.problems.append(Problem(self.path, line, column, "warning", code, message))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A ' (did you mean 'x'?)' suffix for a near miss, or ''."""
    close = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def count_by_severity(problems: Iterable[Problem]) -> tuple[int, int]:
    errors = warnings = 0
    for problem in problems:
        if problem.severity == "error":
            errors += 1
        else:
            warnings += 1
    return errors, warnings


class SourceLines:
    """The lines of content files, read once each, to show a problem's line with a caret under it."""

    def __init__(self, root: Path):
        self.root = root
        self._files: dict[str, list[str]] = {}

    def line(self, path: str, number: int) -> str | None:
        if path not in self._files:
            try:
                self._files[path] = (self.root / path).read_text(encoding="utf-8-sig").splitlines()
            except (OSError, UnicodeDecodeError):
                self._files[path] = []
        lines = self._files[path]
        return lines[number - 1] if 0 < number <= len(lines) else None

    def excerpt(self, problem: Problem) -> list[str]:
        """The offending line, indented, and a caret under the problem's column (as Jinja shows errors)."""
        text = self.line(problem.path, problem.line)
        if text is None or not text.strip():
            return []
        before = text[: max(problem.column - 1, 0)]
        pointer = "".join("\t" if char == "\t" else " " for char in before)
        return [f"    {text}", f"    {pointer}^"]
