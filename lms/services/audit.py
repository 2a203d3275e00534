"""Append-only audit log of acceptances, certificates, resets, role changes and attestations."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import AuditEntry


def record(session: Session, action: str, *, actor_id: int | None, subject_user_id: int | None = None,
           **details) -> AuditEntry:
    entry = AuditEntry(action=action, actor_id=actor_id, subject_user_id=subject_user_id,
                       details=json.dumps(details, sort_keys=True, default=str))
    session.add(entry)
    return entry


def entries_for(session: Session, user_id: int, limit: int = 50) -> list[AuditEntry]:
    query = (select(AuditEntry).where(AuditEntry.subject_user_id == user_id)
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    return list(session.scalars(query))
