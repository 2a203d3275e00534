"""Snapshots of exams by content hash, so attempts are scored against what the learner saw."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.content.catalog import Choice, Exam, Pair, Question
from lms.models import ExamVersion


def to_snapshot(exam: Exam) -> dict[str, Any]:
    return dataclasses.asdict(exam)


def from_snapshot(data: dict[str, Any]) -> Exam:
    data = dict(data)
    questions = tuple(
        Question(**{**q, "choices": tuple(Choice(**c) for c in q["choices"]),
                    "pairs": tuple(Pair(**p) for p in q["pairs"]), "items_html": tuple(q["items_html"])})
        for q in data.pop("questions")
    )
    return Exam(**data, questions=questions)


def ensure_version(session: Session, exam: Exam) -> None:
    """Store this exact version of the exam once; later attempts on it share the row."""
    if session.get(ExamVersion, exam.content_hash) is not None:
        return
    try:
        with session.begin_nested():
            session.add(ExamVersion(content_hash=exam.content_hash, exam_key=exam.key, snapshot=to_snapshot(exam)))
    except IntegrityError:
        pass  # another request stored the same version a moment ago


class _VersionCache:
    """The most recently used versions, parsed; a version never changes, so nothing goes stale."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, Exam] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, content_hash: str) -> Exam | None:
        with self._lock:
            found = self._items.get(content_hash)
            if found is not None:
                self._items.move_to_end(content_hash)
            return found

    def put(self, content_hash: str, exam: Exam) -> None:
        with self._lock:
            self._items[content_hash] = exam
            self._items.move_to_end(content_hash)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


CACHE = _VersionCache(size=256)


def load_version(session: Session, content_hash: str) -> Exam:
    """The stored version of an exam, parsed once per process and then served from memory."""
    found = CACHE.get(content_hash)
    if found is not None:
        return found
    version = session.get(ExamVersion, content_hash)
    if version is None:
        raise LookupError(f"no stored exam version {content_hash}")
    found = from_snapshot(version.snapshot)
    CACHE.put(content_hash, found)
    return found
