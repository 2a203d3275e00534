"""Snapshots of exams by content hash, so attempts are scored against what the learner saw."""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.content.catalog import Choice, Exam, Pair, Question
from lms.models import ExamVersion


def to_json(exam: Exam) -> str:
    return json.dumps(dataclasses.asdict(exam), sort_keys=True)


def from_json(snapshot: str) -> Exam:
    data = json.loads(snapshot)
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
            session.add(ExamVersion(content_hash=exam.content_hash, exam_key=exam.key, snapshot=to_json(exam)))
    except IntegrityError:
        pass  # another request stored the same version a moment ago


_loaded: dict[str, Exam] = {}
_LOADED_LIMIT = 1024


def load_version(session: Session, content_hash: str) -> Exam:
    """The stored version; kept in memory after the first read, since a version never changes."""
    found = _loaded.get(content_hash)
    if found is not None:
        return found
    version = session.get(ExamVersion, content_hash)
    if version is None:
        raise LookupError(f"no stored exam version {content_hash}")
    if len(_loaded) >= _LOADED_LIMIT:
        _loaded.clear()
    _loaded[content_hash] = found = from_json(version.snapshot)
    return found
