"""The producer registry: CSV import and NPN validation against it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.content import Catalog, Program
from lms.db import UnitOfWork
from lms.models import AgentProfile, ProducerRecord
from lms.models.types import utcnow
from lms.services import registration
from lms.services.imports import Importer, ImportReport, apply
from lms.services.npn import npn_problem
from lms.services.us_states import normalise_state

REQUIRED_COLUMNS = ("npn", "name", "resident_state", "license_active", "health_authority")
_TRUE = {"true", "yes", "y", "1", "active", "t"}
_FALSE = {"false", "no", "n", "0", "inactive", "f"}


def npn_status(session: Session, npn: str | None) -> str:
    """valid | not_found | inactive | no_health_authority (unchecked without an NPN)."""
    if not npn:
        return "unchecked"
    record = session.get(ProducerRecord, npn)
    if record is None:
        return "not_found"
    if not record.license_active:
        return "inactive"
    if not record.health_authority:
        return "no_health_authority"
    return "valid"


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"'{value}' is not yes/no (use true or false)")


def _record(row: dict[str, str]) -> dict:
    npn = row["npn"].strip()
    problem = npn_problem(npn)
    if problem:
        raise ValueError(f"npn '{npn}': {problem}")
    name = row["name"].strip()
    if not name:
        raise ValueError("name is empty")
    state = normalise_state(row["resident_state"])
    if state is None:
        raise ValueError(f"resident_state '{row['resident_state']}' is not a US state code")
    try:
        active = _flag(row["license_active"])
    except ValueError as exc:
        raise ValueError(f"license_active {exc}") from None
    try:
        health = _flag(row["health_authority"])
    except ValueError as exc:
        raise ValueError(f"health_authority {exc}") from None
    return {"npn": npn, "name": name, "resident_state": state, "license_active": active, "health_authority": health}


IMPORTER = Importer("registry", "Producer registry", REQUIRED_COLUMNS, ProducerRecord, ("npn",), _record,
                    lambda values: f"npn {values['npn']}", "registry.imported")


def import_registry(uow: UnitOfWork, data: bytes) -> ImportReport:
    """Upsert every good row (idempotent); list bad rows by line. Raises CsvFileError for a bad file."""
    return apply(uow, IMPORTER, data).report()


@dataclass
class RevalidationReport:
    checked: int = 0
    changed: int = 0
    changed_users: list[int] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)


def revalidate(uow: UnitOfWork, progress: Callable[[Iterable], Iterable] = lambda items: items,
               catalog: Catalog | None = None, program: Program | None = None) -> RevalidationReport:
    """Re-check every profile's NPN against the registry (the real programme does this weekly).

    With the current program given, a registration whose NPN turned invalid lapses (the agent leaves
    the public list, and the tracker says why), and one whose NPN is valid again is restored.
    """
    with uow.write() as session:
        report = _revalidate(session, progress)
        if catalog is not None and program is not None:
            for user_id in report.changed_users:
                registration.refresh(session, catalog, program, user_id, utcnow())
        return report


def _revalidate(session: Session, progress: Callable[[Iterable], Iterable]) -> RevalidationReport:
    report = RevalidationReport()
    profiles = list(session.scalars(select(AgentProfile).where(AgentProfile.npn.is_not(None))))
    now = utcnow()
    for profile in progress(profiles):
        status = npn_status(session, profile.npn)
        if status != profile.npn_status:
            report.changed += 1
            report.changed_users.append(profile.user_id)
            profile.npn_status = status
        profile.npn_checked_at = now
        report.checked += 1
        report.by_status[status] = report.by_status.get(status, 0) + 1
    return report

