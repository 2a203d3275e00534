"""Snapshots of exams by content hash, so attempts are scored against what the learner saw."""

from __future__ import annotations

import dataclasses
import json
from functools import lru_cache

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.content.catalog import Choice, Exam, Pair, Question
from lms.models import ExamVersion


def to_json(exam: Exam) -> str:
    return json.dumps(dataclasses.asdict(exam), sort_keys=True)


@lru_cache(maxsize=512)
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


def load_version(session: Session, content_hash: str) -> Exam:
    version = session.get(ExamVersion, content_hash)
    if version is None:
        raise LookupError(f"no stored exam version {content_hash}")
    return from_json(version.snapshot)
