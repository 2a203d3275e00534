"""Snapshots of exams by content hash, so attempts are scored against what the learner saw."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.content.catalog import Exam, Question, ReviewPolicy
from lms.driver_query import DriverQuery
from lms.models import ExamVersion
from lms.questions import question_type
from lms.services.recent import Recent

_COMMON = ("id", "type", "prompt_html", "points", "explanation_html")


def to_snapshot(exam: Exam) -> dict[str, Any]:
    """The exam as JSON: its settings, and each question's common fields beside what its type keeps."""
    settings = {field.name: getattr(exam, field.name) for field in dataclasses.fields(exam)
                if field.name != "questions"}
    settings["review"] = dataclasses.asdict(exam.review)
    questions = [{**{name: getattr(question, name) for name in _COMMON}, "see": question.see, "topic": question.topic,
                  **question_type(question.type).dump(question.data)} for question in exam.questions]
    return {**settings, "questions": questions}


def from_snapshot(stored: dict[str, Any]) -> Exam:
    """Read a snapshot back, including those stored by earlier releases (same keys, more of them)."""
    settings = {field.name: stored[field.name] for field in dataclasses.fields(Exam)
                if field.name != "questions" and field.name in stored}
    settings["review"] = ReviewPolicy.read(settings.get("review", "after_pass"))
    settings["topics"] = tuple((topic, count) for topic, count in settings.get("topics", ()))
    questions = tuple(Question(**{name: raw[name] for name in _COMMON}, see=raw.get("see"), topic=raw.get("topic"),
                               data=question_type(raw["type"]).load(raw)) for raw in stored["questions"])
    return Exam(**settings, questions=questions)


_STORED = DriverQuery(select(ExamVersion.content_hash).where(ExamVersion.content_hash == bindparam("content_hash")))


def version_stored(connection: Connection, exam: Exam) -> bool:
    """Whether this exact version is stored: one key probe, without reading (and parsing) its snapshot."""
    return _STORED.first(connection, {"content_hash": exam.content_hash}) is not None


def ensure_version(session: Session, exam: Exam) -> None:
    """Store this exact version of the exam once; later attempts on it share the row."""
    if version_stored(session.connection(), exam):  # every start asks; the row is nearly always there
        return
    try:
        with session.begin_nested():
            session.add(ExamVersion(content_hash=exam.content_hash, exam_key=exam.key, snapshot=to_snapshot(exam)))
    except IntegrityError:
        pass  # another request stored the same version a moment ago


# A version never changes, so a parsed one never goes stale.
CACHE: Recent[str, Exam] = Recent(size=256)


def load_version(reads: Session | Connection, content_hash: str) -> Exam:
    """The stored version of an exam, parsed once per process and then served from memory."""
    found = CACHE.get(content_hash)
    if found is not None:
        return found
    snapshot = reads.execute(select(ExamVersion.snapshot).where(ExamVersion.content_hash == content_hash)).scalar()
    if snapshot is None:
        raise LookupError(f"no stored exam version {content_hash}")
    found = from_snapshot(snapshot)
    CACHE.put(content_hash, found)
    return found
