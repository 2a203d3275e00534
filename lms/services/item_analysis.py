"""Scores and item analysis of one exam, version by version.

An exam's content version (its content hash) fixes its questions and key, so figures are kept
per version: mixing two versions would pool answers to different questions. Per version: the
attempts, mean, median and pass rate, and Cronbach's alpha; per question: facility (the average
share of its points earned, which is the share answering right when a question is right or
wrong), discrimination (the upper 27 % of attempts by total score minus the lower 27 %), the
point-biserial correlation of the question's score with the attempt's percent, how often each
option was picked, and flags. Everything is summed in SQL, a few rows per question come back.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lms.content.catalog import Catalog, Exam, Question
from lms.models import Attempt, AttemptItem, ExamVersion
from lms.services.aggregates import dialect_of, medians, share
from lms.services.errors import NotFound
from lms.services.exam_versions import load_version
from lms.services.item_scores import correct_options, option_labels

GROUP_SHARE = 0.27  # Kelley's upper and lower groups
TOO_EASY, TOO_HARD = 0.90, 0.30  # facility above / below which a question says little
MIN_ANSWERS_TO_FLAG = 5  # fewer answers than this and any flag would be noise
THRESHOLDS = {"too_easy": TOO_EASY, "too_hard": TOO_HARD, "group": GROUP_SHARE, "min_answers": MIN_ANSWERS_TO_FLAG}
FLAG_WORDS = {"too_easy": "Too easy", "too_hard": "Too hard", "negative": "Discriminates negatively"}


@dataclass(frozen=True)
class Figures:
    attempts: int
    mean: float | None  # percent
    median: float | None  # percent
    pass_rate: float | None  # 0..1


NO_FIGURES = Figures(0, None, None, None)


@dataclass(frozen=True)
class Version:
    content_hash: str
    number: int  # 1 for the first version attempts were taken on
    created_at: dt.datetime
    current: bool  # what the content files say today
    figures: Figures
    total_sum: float = 0.0  # sums of points, for the variance alpha needs
    total_squares: float = 0.0

    @property
    def label(self) -> str:
        return f"Version {self.number}" + (" (current)" if self.current else "")

    @property
    def short_hash(self) -> str:
        return self.content_hash[:10]


@dataclass(frozen=True)
class Option:
    html: str
    picked: int
    share: float | None
    correct: bool


@dataclass(frozen=True)
class ItemStats:
    number: int
    question: Question
    answered: int
    facility: float | None
    discrimination: float | None  # upper group's facility minus the lower group's
    point_biserial: float | None
    options: tuple[Option, ...] | None  # None: the question has nothing to pick from
    flags: tuple[str, ...]

    @property
    def flag_words(self) -> tuple[str, ...]:
        return tuple(FLAG_WORDS[flag] for flag in self.flags)


@dataclass(frozen=True)
class Alpha:
    value: float | None
    note: str  # why there is no value, when there is none


@dataclass(frozen=True)
class ExamReport:
    exam_key: str
    title: str
    overall: Figures
    versions: tuple[Version, ...]  # oldest first
    chosen: Version | None
    alpha: Alpha | None
    items: tuple[ItemStats, ...]


def versions_of(session: Session, catalog: Catalog, exam_key: str, with_figures: bool = True) -> tuple[Version, ...]:
    """Every stored version of the exam, numbered oldest first, with its figures unless not wanted."""
    stored = session.execute(select(ExamVersion.content_hash, ExamVersion.created_at)
                             .where(ExamVersion.exam_key == exam_key)
                             .order_by(ExamVersion.created_at, ExamVersion.content_hash)).all()
    current = catalog.exams[exam_key].content_hash if exam_key in catalog.exams else None
    if not with_figures:
        return tuple(Version(content_hash, number, created_at, content_hash == current, NO_FIGURES)
                     for number, (content_hash, created_at) in enumerate(stored, start=1))
    submitted = (Attempt.exam_key == exam_key, Attempt.status == "submitted")
    rows = {row.content_hash: row for row in session.execute(
        select(Attempt.content_hash, func.count().label("attempts"), func.avg(Attempt.percent).label("mean"),
               func.sum(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"),
               func.sum(Attempt.points).label("total_sum"),
               func.sum(Attempt.points * Attempt.points).label("total_squares"))
        .where(*submitted).group_by(Attempt.content_hash))}
    middle: dict[str, Any] = dict(session.execute(medians(
        select(Attempt.content_hash.label("version"), Attempt.percent.label("value")).where(*submitted),
        group="version", dialect=dialect_of(session))).all())
    found = []
    for number, (content_hash, created_at) in enumerate(stored, start=1):
        row = rows.get(content_hash)
        count = row.attempts if row else 0
        figures = Figures(count, _float(row.mean) if row else None, _float(middle.get(content_hash)),
                          share(row.passed, count) if row else None)
        found.append(Version(content_hash, number, created_at, content_hash == current, figures,
                             _float(row.total_sum) or 0.0 if row else 0.0,
                             _float(row.total_squares) or 0.0 if row else 0.0))
    return tuple(found)


def overall_figures(session: Session, exam_key: str) -> Figures:
    """Attempts, mean, median and pass rate over every version together."""
    submitted = (Attempt.exam_key == exam_key, Attempt.status == "submitted")
    row = session.execute(select(func.count().label("attempts"), func.avg(Attempt.percent).label("mean"),
                                 func.sum(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"))
                          .where(*submitted)).one()
    middle = session.scalar(medians(select(Attempt.percent.label("value")).where(*submitted),
                                    dialect=dialect_of(session)))
    return Figures(row.attempts, _float(row.mean), _float(middle), share(row.passed, row.attempts))


def exam_report(session: Session, catalog: Catalog, exam_key: str, version: str | None = None) -> ExamReport:
    """The exam's figures by version, and item analysis of one version (the current one unless chosen)."""
    versions = versions_of(session, catalog, exam_key)
    if exam_key not in catalog.exams and not versions:
        raise NotFound("There is no such exam.")
    chosen = _choose(versions, version)
    exam = load_version(session, chosen.content_hash) if chosen else catalog.exams.get(exam_key)
    title = exam.title if exam else exam_key
    items: tuple[ItemStats, ...] = ()
    alpha = None
    if chosen is not None and exam is not None and chosen.figures.attempts:
        sums = _item_sums(session, exam_key, chosen)
        items = _items(exam, chosen, sums, _picks(session, chosen.content_hash))
        alpha = cronbach_alpha(chosen, sums)
    taken = [version for version in versions if version.figures.attempts]
    overall = taken[0].figures if len(taken) == 1 else overall_figures(session, exam_key)
    return ExamReport(exam_key, title, overall, versions, chosen, alpha, items)


def _choose(versions: tuple[Version, ...], wanted: str | None) -> Version | None:
    """The version asked for; else the current one if it has attempts; else the newest with attempts."""
    if wanted:
        found = next((version for version in versions if version.content_hash == wanted), None)
        if found is None:
            raise NotFound("This exam has no such version.")
        return found
    with_attempts = [version for version in versions if version.figures.attempts]
    current = next((version for version in with_attempts if version.current), None)
    if current is not None:
        return current
    if with_attempts:
        return with_attempts[-1]
    return next((version for version in versions if version.current), versions[-1] if versions else None)


def _item_sums(session: Session, exam_key: str, version: Version) -> dict[str, Any]:
    """Per question: counts and sums of item score x (0..1), total t (0..1) and points, and the
    upper and lower groups' sums, from one pass over the version's items."""
    attempts = version.figures.attempts
    group = max(1, math.floor(GROUP_SHARE * attempts + 0.5))
    ranked = (select(Attempt.id, (Attempt.percent / 100.0).label("total"),
                     func.row_number().over(order_by=(Attempt.percent.desc(), Attempt.id)).label("position"))
              .where(Attempt.exam_key == exam_key, Attempt.content_hash == version.content_hash,
                     Attempt.status == "submitted").subquery())
    x = AttemptItem.points / AttemptItem.max_points
    t = ranked.c.total
    upper, lower = ranked.c.position <= group, ranked.c.position > attempts - group
    query = (select(AttemptItem.question_id, func.count().label("n"), func.sum(x).label("sx"),
                    func.sum(x * x).label("sxx"), func.sum(t).label("st"), func.sum(t * t).label("stt"),
                    func.sum(x * t).label("sxt"), func.sum(AttemptItem.points).label("sp"),
                    func.sum(AttemptItem.points * AttemptItem.points).label("spp"),
                    func.sum(case((upper, x))).label("upper_sum"), func.count(case((upper, 1))).label("upper_n"),
                    func.sum(case((lower, x))).label("lower_sum"), func.count(case((lower, 1))).label("lower_n"))
             .join(ranked, ranked.c.id == AttemptItem.attempt_id)
             .where(AttemptItem.content_hash == version.content_hash)
             .group_by(AttemptItem.question_id))
    return {row.question_id: {key: _float(value) for key, value in row._mapping.items() if key != "question_id"}
            for row in session.execute(query)}


def _picks(session: Session, content_hash: str) -> dict[str, dict[int, int]]:
    """Per question, how many answers picked each combination of options (a handful of rows each)."""
    query = (select(AttemptItem.question_id, AttemptItem.picked, func.count())
             .where(AttemptItem.content_hash == content_hash, AttemptItem.picked.is_not(None))
             .group_by(AttemptItem.question_id, AttemptItem.picked))
    found: dict[str, dict[int, int]] = {}
    for question_id, mask, count in session.execute(query):
        found.setdefault(question_id, {})[int(mask or 0)] = int(count)
    return found


def _items(exam: Exam, version: Version, sums: dict[str, Any], picks: dict[str, dict[int, int]]
           ) -> tuple[ItemStats, ...]:
    found = []
    for number, question in enumerate(exam.questions, start=1):
        row = sums.get(question.id)
        answered = int(row["n"]) if row else 0
        facility = share(row["sx"], answered) if row else None
        discrimination = None
        if row and row["upper_n"] and row["lower_n"]:
            discrimination = row["upper_sum"] / row["upper_n"] - row["lower_sum"] / row["lower_n"]
        point_biserial = _correlation(row) if row else None
        found.append(ItemStats(number, question, answered, facility, discrimination, point_biserial,
                               _options(question, picks.get(question.id, {}), answered),
                               _flags(answered, facility, discrimination, point_biserial)))
    return tuple(found)


def _correlation(row: dict[str, float]) -> float | None:
    """Pearson's r of item score and total; with a right-or-wrong item this is the point-biserial."""
    n = row["n"]
    spread = (n * row["sxx"] - row["sx"] ** 2) * (n * row["stt"] - row["st"] ** 2)
    if spread <= 1e-12:
        return None  # everyone scored the same on the item or in total: no correlation to speak of
    return (n * row["sxt"] - row["sx"] * row["st"]) / math.sqrt(spread)


def _options(question: Question, masks: dict[int, int], answered: int) -> tuple[Option, ...] | None:
    labels = option_labels(question)
    if labels is None:
        return None
    correct = correct_options(question)
    return tuple(Option(label, picked, share(picked, answered), index in correct)
                 for index, label in enumerate(labels)
                 for picked in [sum(count for mask, count in masks.items() if mask >> index & 1)])


def _flags(answered: int, facility: float | None, discrimination: float | None,
           point_biserial: float | None) -> tuple[str, ...]:
    if answered < MIN_ANSWERS_TO_FLAG or facility is None:
        return ()
    flags = []
    if facility > TOO_EASY:
        flags.append("too_easy")
    if facility < TOO_HARD:
        flags.append("too_hard")
    if (discrimination is not None and discrimination < 0) or (point_biserial is not None and point_biserial < 0):
        flags.append("negative")
    return tuple(flags)


def cronbach_alpha(version: Version, sums: dict[str, Any]) -> Alpha:
    """k / (k - 1) * (1 - sum of item variances / variance of totals), in points.

    Defined only when every attempt answered the same questions: with a draw, attempts answer
    different ones and the item variances no longer add up to the total's.
    """
    attempts, k = version.figures.attempts, len(sums)
    if attempts < 2:
        return Alpha(None, "Needs at least two attempts.")
    if k < 2:
        return Alpha(None, "Needs at least two questions.")
    if any(int(row["n"]) != attempts for row in sums.values()):
        return Alpha(None, "Not defined here: attempts on this version were asked different questions (a draw).")
    total_variance = version.total_squares / attempts - (version.total_sum / attempts) ** 2
    if total_variance <= 1e-12:
        return Alpha(None, "Not defined: every attempt scored the same.")
    item_variances = sum(row["spp"] / attempts - (row["sp"] / attempts) ** 2 for row in sums.values())
    return Alpha(k / (k - 1) * (1 - item_variances / total_variance), "")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
