"""The public Registration Completion List: agents whose registration in a program is complete (not lapsed).

One row per agent, built by one grouped SQL query: NPN, name, resident state, the date of each
registration, and whether the NPN is valid in the producer registry. Pages go by a keyset on the
NPN; the CSV reads rows from a server-side cursor, so its memory does not grow with the list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from lms.content import Program
from lms.models import AgentProfile, RegistrationCompletion
from lms.services.errors import RuleError
from lms.services.npn import npn_problem
from lms.services.us_states import normalise_state

PAGE_SIZE = 50


@dataclass(frozen=True)
class Listing:
    npn: str
    name: str
    resident_state: str
    dates: dict[str, dt.date | None]  # registration key -> completed on
    npn_valid: bool


@dataclass(frozen=True)
class Search:
    npn: str | None = None
    state: str | None = None
    after: str | None = None  # the last NPN of the previous page


def parse_search(npn: str, state: str, after: str) -> Search:
    """A search from what a visitor typed; a RuleError says what is wrong with it."""
    npn, state, after = (npn or "").strip(), (state or "").strip(), (after or "").strip()
    if npn and npn_problem(npn):
        raise RuleError(f"Search by a whole NPN: {npn_problem(npn)}")
    code = normalise_state(state) if state else None
    if state and code is None:
        raise RuleError(f"'{state[:40]}' is not a US state or territory; choose one from the list.")
    if after and npn_problem(after):
        raise RuleError("That page link is not valid; start again from the first page.")
    return Search(npn or None, code, after or None)


def _query(program: Program) -> Select:
    dates = [func.min(case((RegistrationCompletion.registration_key == registration.key,
                            RegistrationCompletion.completed_at))).label(registration.key)
             for registration in program.registrations]
    return (select(AgentProfile.npn, AgentProfile.first_name, AgentProfile.last_name, AgentProfile.resident_state,
                   AgentProfile.npn_status, *dates)
            .join(RegistrationCompletion, RegistrationCompletion.user_id == AgentProfile.user_id)
            .where(RegistrationCompletion.program_key == program.key, RegistrationCompletion.lapsed_at.is_(None),
                   AgentProfile.npn.is_not(None))
            .group_by(AgentProfile.user_id, AgentProfile.npn, AgentProfile.first_name, AgentProfile.last_name,
                      AgentProfile.resident_state, AgentProfile.npn_status)
            .order_by(func.length(AgentProfile.npn), AgentProfile.npn))


def _listing(program: Program, row: Any) -> Listing:
    dates = {registration.key: (getattr(row, registration.key).date() if getattr(row, registration.key) else None)
             for registration in program.registrations}
    return Listing(row.npn, f"{row.first_name} {row.last_name}".strip(), row.resident_state or "", dates,
                   row.npn_status == "valid")


def page(session: Session, program: Program, search: Search, size: int = PAGE_SIZE) -> tuple[list[Listing], str | None]:
    """One page of the list and the NPN to continue after (None on the last page)."""
    query = _query(program)
    if search.npn:
        query = query.where(AgentProfile.npn == search.npn)
    if search.state:
        query = query.where(AgentProfile.resident_state == search.state)
    if search.after:
        length = len(search.after)
        query = query.where(or_(func.length(AgentProfile.npn) > length,
                                and_(func.length(AgentProfile.npn) == length, AgentProfile.npn > search.after)))
    rows = [_listing(program, row) for row in session.execute(query.limit(size + 1))]
    return rows[:size], (rows[size - 1].npn if len(rows) > size else None)


def stream(session: Session, program: Program, state: str | None = None) -> Iterator[Listing]:
    """Every row, read from the database a thousand at a time."""
    query = _query(program)
    if state:
        query = query.where(AgentProfile.resident_state == state)
    for row in session.execute(query.execution_options(yield_per=1000)):
        yield _listing(program, row)
