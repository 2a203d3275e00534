"""Reading the append-only audit log (lms.events writes it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import AuditEntry


def entries_for(session: Session, user_id: int, limit: int = 50) -> list[AuditEntry]:
    query = (select(AuditEntry).where(AuditEntry.subject_user_id == user_id)
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    return list(session.scalars(query))
