"""What the result page shows, read lean: the scored attempt as plain values in one prepared query, and
the sections to re-read, from the exam version the attempt was taken on. No ORM objects."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select

from lms.content.catalog import Catalog
from lms.driver_query import DriverQuery
from lms.models import Attempt
from lms.services.errors import NotFound
from lms.services.exam_versions import load_version
from lms.services.exams import Submitted
from lms.services.layout import layout_for
from lms.services.review import Reread, reread


@dataclass(frozen=True)
class ResultPage:
    attempt: Submitted
    reread: list[Reread]  # the sections teaching what it got wrong (none once it passed)


_SCORED = DriverQuery(select(Attempt.user_id, Attempt.status, Attempt.id, Attempt.exam_key, Attempt.number,
                             Attempt.content_hash, Attempt.seed, Attempt.points, Attempt.max_points, Attempt.percent,
                             Attempt.passed, Attempt.timed_out, Attempt.submitted_at, Attempt.results, Attempt.deadline)
                      .where(Attempt.id == bindparam("attempt")))


def result_page(connection: Connection, catalog: Catalog, attempt_id: int, user_id: int) -> ResultPage | None:
    """The agent's scored attempt; None while it is still open. Another agent's attempt does not exist."""
    row = _SCORED.first(connection, {"attempt": attempt_id})
    if row is None or row.user_id != user_id:
        raise NotFound("There is no such attempt.")
    if row.status != "submitted":
        return None
    attempt = Submitted.of(row)  # the row carries every column Submitted.of reads
    if attempt.passed:
        return ResultPage(attempt, [])
    version = load_version(connection, attempt.content_hash)
    return ResultPage(attempt, reread(catalog, version, layout_for(version, attempt.seed), attempt.results))
