"""The append-only audit log (the migration adds triggers that refuse UPDATE and DELETE)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base
from lms.models.types import JSONText, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"
    # An agent's own latest action (their last activity) is one index probe; the same index finds an
    # agent's entries, so subject_user_id has no index of its own (one page less to write per entry).
    __table_args__ = (Index("ix_audit_log_subject_actor_at", "subject_user_id", "actor_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: nothing looks entries up by time alone (lists go by id or by subject), and
    # every event would write one more index page.
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Plain ids, not foreign keys: the log outlives the rows it talks about.
    actor_id: Mapped[int | None] = mapped_column()
    subject_user_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[dict] = mapped_column(JSONText, default=dict)
