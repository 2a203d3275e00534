"""Tokens admins give programs that read the API; only a SHA-256 of each secret is kept."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base
from lms.models.types import UTCDateTime, utcnow


class ApiToken(Base):
    """One admin's token for the read-only API. A token acts with its owner's role, so it stops
    working as soon as the owner is no longer an admin, and for good once revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The secret's first characters, so a token in a script can be matched with its row here.
    prefix: Mapped[str] = mapped_column(String(16))
    # A fast hash is enough: the secret is 256 random bits, never a password someone chose.
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
