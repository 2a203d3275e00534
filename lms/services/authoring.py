"""For authors: every piece of content with its check status, previews with the answer key, exam versions.

A preview renders an exam through the same review rows agents see (lms.services.review), answered
right or answered wrong by the forms the question types make for demo data, so an author reads
the key, the feedback and the explanations exactly as an agent will.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lms.content.catalog import Catalog, Exam, Module, Program, Track
from lms.models import Attempt, ExamVersion
from lms.services import scoring
from lms.services.errors import NotFound
from lms.services.exam_versions import load_version
from lms.services.layout import layout_for
from lms.services.review import Reread, ReviewItem, review_items, sections

ATTEMPTS_PER_PAGE = 50


@dataclass(frozen=True)
class Status:
    errors: int = 0
    warnings: int = 0

    @property
    def word(self) -> str:
        if self.errors:
            return f"{self.errors} error{'s' * (self.errors != 1)}"
        if self.warnings:
            return f"{self.warnings} warning{'s' * (self.warnings != 1)}"
        return "OK"

    @property
    def tag(self) -> str:
        """The status tag's class."""
        return "action_needed" if self.errors else "warning" if self.warnings else "complete"


@dataclass(frozen=True)
class Entry:
    kind: str  # program | track | module | exam | agreement
    key: str
    title: str
    source: str  # the file, relative to the content root
    status: Status
    within: str = ""  # the program, track or module it belongs to, in words


@dataclass(frozen=True)
class ContentStatus:
    programs: tuple[Entry, ...]
    tracks: tuple[Entry, ...]
    modules: tuple[Entry, ...]
    exams: tuple[Entry, ...]
    agreements: tuple[Entry, ...]
    others: tuple[tuple[str, Status], ...]  # files with problems that serve nothing (left out, or not content)


def content_status(catalog: Catalog) -> ContentStatus:
    """Every program, track, module, exam and agreement, in the order agents meet them, with its problems."""
    errors = Counter(problem.path for problem in catalog.problems if problem.severity == "error")
    warnings = Counter(problem.path for problem in catalog.problems if problem.severity == "warning")

    def entry(kind: str, key: str, title: str, source: str, within: str = "") -> Entry:
        return Entry(kind, key, title, source, Status(errors[source], warnings[source]), within)

    programs = catalog.programs_newest_first()
    tracks = [track for program in programs for track in catalog.tracks_of(program)]
    tracks += sorted((t for t in catalog.tracks.values() if t not in tracks), key=lambda t: t.key)
    modules = [module for track in tracks for module in catalog.modules_of(track)]
    modules += sorted((m for m in catalog.modules.values() if m not in modules), key=lambda m: m.key)
    agreements = [a for program in programs for a in catalog.agreements_of(program)]
    agreements += sorted((a for a in catalog.agreements.values() if a not in agreements), key=lambda a: a.key)
    exams = sorted(catalog.exams.values(), key=lambda exam: exam.key)
    served = {item.source for group in (programs, tracks, modules, exams, agreements) for item in group}
    others = tuple((path, Status(errors[path], warnings[path]))
                   for path in sorted(set(errors) | set(warnings)) if path not in served)
    return ContentStatus(
        tuple(entry("program", p.key, p.title, p.source) for p in programs),
        tuple(entry("track", t.key, t.title, t.source, _title(catalog.programs.get(t.program_key))) for t in tracks),
        tuple(entry("module", m.key, m.title, m.source, _title(catalog.tracks.get(m.track_key))) for m in modules),
        tuple(entry("exam", e.key, e.title, e.source, _title(catalog.module_for_exam(e.key))) for e in exams),
        tuple(entry("agreement", a.key, a.title, a.source, _title(catalog.programs.get(a.program_key)))
              for a in agreements),
        others)


def _title(item: Program | Track | Module | None) -> str:
    return item.title if item is not None else "not listed anywhere"


@dataclass(frozen=True)
class ModulePreview:
    module: Module
    track: Track | None
    exam: Exam | None


def module_preview(catalog: Catalog, module_key: str) -> ModulePreview:
    module = catalog.modules.get(module_key)
    if module is None:
        raise NotFound("There is no such module.")
    exam = catalog.exams.get(module.exam_key) if module.exam_key else None
    return ModulePreview(module, catalog.tracks.get(module.track_key), exam)


ANSWERED = ("right", "wrong")


@dataclass(frozen=True)
class ChoiceFeedback:
    text_html: str
    correct: bool
    feedback_html: str


@dataclass(frozen=True)
class PreviewItem:
    review: ReviewItem  # what the review page shows for this question, answered as chosen
    choices: tuple[ChoiceFeedback, ...]  # every choice's feedback (the review shows only the picked ones')


@dataclass(frozen=True)
class ExamPreview:
    exam: Exam
    module: Module | None
    answered: str  # right | wrong
    stored_version: str | None  # the content hash, when an earlier stored version is shown
    current: bool  # what the content files say today
    items: tuple[PreviewItem, ...]
    sections: dict[str, Reread]


def exam_preview(session: Session, catalog: Catalog, exam_key: str, answered: str = "right",
                 version: str | None = None) -> ExamPreview:
    """Every question of the exam (or of a stored version), in file order, as review shows it answered
    right (the key) or wrong (the feedback and re-read links a failing agent sees)."""
    exam = _exam(session, catalog, exam_key, version)
    right = answered != "wrong"
    # Every question, in file order: a preview shows the whole pool, not one attempt's draw.
    whole = dataclasses.replace(exam, shuffle=False, draw=None, topics=())
    layout = layout_for(whole, seed=0)
    form = scoring.form_for(whole, layout, right)
    answers, results = {}, {}
    for question in whole.questions:
        answers[question.id] = scoring.read_answer(question, layout.of(question.id),
                                                   lambda name: form.get(name, []))
        results[question.id] = scoring.score_question(question, answers[question.id])
    items = tuple(PreviewItem(item, _choices(item)) for item in review_items(whole, layout, answers, results))
    current = catalog.exams.get(exam_key)
    return ExamPreview(exam, catalog.module_for_exam(exam_key), "right" if right else "wrong",
                       exam.content_hash if version else None,
                       current is not None and current.content_hash == exam.content_hash, items,
                       sections(catalog, exam))


def _exam(session: Session, catalog: Catalog, exam_key: str, version: str | None) -> Exam:
    if version:
        stored = session.get(ExamVersion, version)
        if stored is None or stored.exam_key != exam_key:
            raise NotFound("This exam has no such version.")
        return load_version(session, version)
    exam = catalog.exams.get(exam_key)
    if exam is None:
        raise NotFound("There is no such exam.")
    return exam


def _choices(item: ReviewItem) -> tuple[ChoiceFeedback, ...]:
    found = getattr(item.question.data, "choices", None) or ()
    return tuple(ChoiceFeedback(choice.text_html, choice.correct, choice.feedback_html) for choice in found)


@dataclass(frozen=True)
class VersionRow:
    content_hash: str
    number: int  # 1 for the oldest stored version
    first_seen: dt.datetime | None  # when its first attempt started; None for a current version not yet taken
    attempts: int
    submitted: int
    current: bool

    @property
    def label(self) -> str:
        return (f"Version {self.number}" if self.number else "Not yet taken") + (" (current)" if self.current else "")


@dataclass(frozen=True)
class AttemptRow:
    id: int
    number: int  # the agent's attempt number at this exam
    started_at: dt.datetime
    status: str
    percent: float | None
    passed: bool | None
    reset: bool
    version: VersionRow


@dataclass(frozen=True)
class ExamVersions:
    exam_key: str
    title: str
    versions: tuple[VersionRow, ...]  # oldest first; a current version nobody has taken comes last
    attempts: tuple[AttemptRow, ...]  # this page's, newest first
    total: int
    page: int
    pages: int


def exam_versions(session: Session, catalog: Catalog, exam_key: str, page: int = 1) -> ExamVersions:
    """Each content version of an exam with when it was first used and how many attempts it has (one grouped
    query), and the attempts page by page with the version each was taken on."""
    current = catalog.exams.get(exam_key)
    rows = session.execute(
        select(ExamVersion.content_hash, ExamVersion.created_at, func.count(Attempt.id).label("attempts"),
               func.coalesce(func.sum(case((Attempt.status == "submitted", 1), else_=0)), 0).label("submitted"))
        .outerjoin(Attempt, Attempt.content_hash == ExamVersion.content_hash)
        .where(ExamVersion.exam_key == exam_key)
        .group_by(ExamVersion.content_hash, ExamVersion.created_at)
        .order_by(ExamVersion.created_at, ExamVersion.content_hash)).all()
    if current is None and not rows:
        raise NotFound("There is no such exam.")
    current_hash = current.content_hash if current else None
    versions = [VersionRow(row.content_hash, number, row.created_at, row.attempts, int(row.submitted),
                           row.content_hash == current_hash) for number, row in enumerate(rows, start=1)]
    if current_hash and all(version.content_hash != current_hash for version in versions):
        versions.append(VersionRow(current_hash, 0, None, 0, 0, True))
    total = sum(version.attempts for version in versions)
    pages = max(1, math.ceil(total / ATTEMPTS_PER_PAGE))
    page = min(max(page, 1), pages)
    by_hash = {version.content_hash: version for version in versions}
    attempts = session.execute(
        select(Attempt.id, Attempt.number, Attempt.started_at, Attempt.status, Attempt.percent, Attempt.passed,
               Attempt.reset_at, Attempt.content_hash)
        .where(Attempt.exam_key == exam_key).order_by(Attempt.started_at.desc(), Attempt.id.desc())
        .limit(ATTEMPTS_PER_PAGE).offset((page - 1) * ATTEMPTS_PER_PAGE)).all()
    title = current.title if current else load_version(session, versions[-1].content_hash).title
    return ExamVersions(exam_key, title, tuple(versions),
                        tuple(AttemptRow(a.id, a.number, a.started_at, a.status, a.percent, a.passed,
                                         a.reset_at is not None, by_hash[a.content_hash]) for a in attempts),
                        total, page, pages)
