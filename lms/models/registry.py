"""The producer registry: licence data behind NPN validation (NIPR in the real programme)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base
from lms.models.types import UTCDateTime, utcnow


class ProducerRecord(Base):
    __tablename__ = "producer_records"

    npn: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    resident_state: Mapped[str] = mapped_column(String(2))
    license_active: Mapped[bool] = mapped_column(Boolean)
    health_authority: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
