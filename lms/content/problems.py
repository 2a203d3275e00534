"""Problems found in content, each with the place an author must look."""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of `lms check`; path is relative to the content root, line and column 1-based."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str

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
