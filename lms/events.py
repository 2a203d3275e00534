"""Domain events: what happened, written to the audit log in the transaction that made it happen."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.models import AuditEntry


def emit(session: Session, name: str, *, actor_id: int | None, subject_user_id: int | None = None,
         **data: Any) -> None:
    session.add(AuditEntry(action=name, actor_id=actor_id, subject_user_id=subject_user_id, details=data))
