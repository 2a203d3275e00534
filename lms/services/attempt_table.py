"""The attempts at one exam as a table for admins: filtered, sorted and paged in SQL, or as a CSV.

Each row names the content version its attempt was taken on, so scores from different versions
are never mistaken for one another. The CSV reads rows a thousand at a time from a server-side
cursor, so its memory stays flat however many attempts there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from lms.content.catalog import Catalog
from lms.models import AgentProfile, Attempt, User
from lms.services.csvfiles import CsvLines
from lms.services.errors import NotFound
from lms.services.export_base import csv_cell
from lms.services.item_analysis import Version, versions_of

PAGE_SIZE = 50
RESULTS = {"all": "All attempts", "passed": "Passed", "failed": "Not passed", "open": "In progress"}
# In the order of the table's columns.
SORTS = {"agent": ("Agent", User.email), "number": ("Attempt", Attempt.number), "percent": ("Score", Attempt.percent),
         "submitted": ("Submitted", Attempt.submitted_at), "started": ("Started", Attempt.started_at)}


@dataclass(frozen=True)
class Filter:
    version: str = ""  # a content hash, or every version
    result: str = "all"
    query: str = ""  # part of an email or name, or a whole NPN
    sort: str = "submitted"
    descending: bool = True
    page: int = 1

    def params(self, **changes) -> dict[str, str]:
        """The query string of this filter (with changes): the links of the page keep what was chosen."""
        chosen = replace(self, **changes)
        values = {"version": chosen.version, "result": chosen.result if chosen.result != "all" else "",
                  "q": chosen.query, "sort": chosen.sort, "dir": "desc" if chosen.descending else "asc",
                  "page": str(chosen.page) if chosen.page > 1 else ""}
        return {key: value for key, value in values.items() if value}


def parse_filter(args: Mapping[str, str]) -> Filter:
    """A filter from the query string; anything unknown falls back to the default rather than fail."""
    page = args.get("page", "")
    return Filter(version=args.get("version", "")[:64], result=args.get("result", "all") if
                  args.get("result") in RESULTS else "all", query=args.get("q", "").strip()[:100],
                  sort=args.get("sort", "") if args.get("sort") in SORTS else "submitted",
                  descending=args.get("dir", "desc") != "asc",
                  page=min(int(page), 1_000_000) if page.isdigit() and int(page) > 0 else 1)


@dataclass(frozen=True)
class Row:
    attempt_id: int
    user_id: int
    email: str
    name: str
    npn: str
    number: int
    content_hash: str
    status: str
    started_at: dt.datetime
    submitted_at: dt.datetime | None
    percent: float | None
    passed: bool | None
    timed_out: bool

    @property
    def result_words(self) -> str:
        if self.status != "submitted":
            return "In progress"
        return "Passed" if self.passed else "Not passed"


@dataclass(frozen=True)
class AttemptTable:
    exam_key: str
    title: str
    versions: tuple[Version, ...]
    filter: Filter
    rows: tuple[Row, ...]
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def labels(self) -> dict[str, str]:
        return {version.content_hash: version.label for version in self.versions}


def _query(exam_key: str, chosen: Filter) -> Select:
    query = (select(Attempt.id, Attempt.user_id, User.email, AgentProfile.first_name, AgentProfile.last_name,
                    AgentProfile.npn, Attempt.number, Attempt.content_hash, Attempt.status, Attempt.started_at,
                    Attempt.submitted_at, Attempt.percent, Attempt.passed, Attempt.timed_out)
             .join(User, User.id == Attempt.user_id)
             .outerjoin(AgentProfile, AgentProfile.user_id == Attempt.user_id)
             .where(Attempt.exam_key == exam_key))
    if chosen.version:
        query = query.where(Attempt.content_hash == chosen.version)
    if chosen.result == "passed":
        query = query.where(Attempt.status == "submitted", Attempt.passed.is_(True))
    elif chosen.result == "failed":
        query = query.where(Attempt.status == "submitted", Attempt.passed.is_not(True))
    elif chosen.result == "open":
        query = query.where(Attempt.status != "submitted")
    if chosen.query:
        like = f"%{chosen.query.lower()}%"
        query = query.where(or_(User.email.like(like), AgentProfile.npn == chosen.query,
                                AgentProfile.first_name.ilike(like), AgentProfile.last_name.ilike(like)))
    return query


def _row(found) -> Row:
    name = f"{found.first_name or ''} {found.last_name or ''}".strip()
    return Row(found.id, found.user_id, found.email, name, found.npn or "", found.number, found.content_hash,
               found.status, found.started_at, found.submitted_at, found.percent, found.passed, found.timed_out)


def _sorted(query: Select, chosen: Filter) -> Select:
    column = SORTS[chosen.sort][1]
    ordered = column.desc() if chosen.descending else column.asc()
    tie = Attempt.id.desc() if chosen.descending else Attempt.id.asc()
    return query.order_by(ordered.nulls_last(), tie)


def attempt_table(session: Session, catalog: Catalog, exam_key: str, chosen: Filter) -> AttemptTable:
    """One page of the exam's attempts as filtered and sorted, with how many match in all."""
    versions = versions_of(session, catalog, exam_key, with_figures=False)
    if exam_key not in catalog.exams and not versions:
        raise NotFound("There is no such exam.")
    if chosen.version and chosen.version not in {version.content_hash for version in versions}:
        chosen = replace(chosen, version="")
    query = _query(exam_key, chosen)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    chosen = replace(chosen, page=min(chosen.page, pages))
    rows = session.execute(_sorted(query, chosen).limit(PAGE_SIZE).offset((chosen.page - 1) * PAGE_SIZE))
    title = catalog.exams[exam_key].title if exam_key in catalog.exams else exam_key
    return AttemptTable(exam_key, title, versions, chosen, tuple(_row(found) for found in rows), total)


CSV_COLUMNS = ["attempt_id", "email", "name", "npn", "exam", "attempt", "version", "content_hash", "status",
               "started_at", "submitted_at", "percent", "passed", "timed_out"]


def csv_lines(session: Session, catalog: Catalog, exam_key: str, chosen: Filter) -> Iterator[str]:
    """Every attempt the filter matches, in its order, as CSV lines (a header first)."""
    versions = versions_of(session, catalog, exam_key, with_figures=False)
    labels = {version.content_hash: version.label for version in versions}
    if exam_key not in catalog.exams and not labels:
        raise NotFound("There is no such exam.")
    query = _sorted(_query(exam_key, chosen), chosen).execution_options(yield_per=1000)
    return _lines(session, query, exam_key, labels)


def _lines(session: Session, query: Select, exam_key: str, labels: dict[str, str]) -> Iterator[str]:
    line = CsvLines()
    yield line(CSV_COLUMNS)
    for found in session.execute(query):
        row = _row(found)
        yield line([csv_cell(value) for value in (
            row.attempt_id, row.email, row.name, row.npn, exam_key, row.number, labels.get(row.content_hash, ""),
            row.content_hash, row.status, row.started_at, row.submitted_at, row.percent, row.passed, row.timed_out)])
