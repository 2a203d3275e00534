"""Records tied to a plan year program: completions, track choices and admin settings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base
from lms.models.types import UTCDateTime, utcnow


class RegistrationCompletion(Base):
    """An agent completed a program's registration here (our own records)."""

    __tablename__ = "registration_completions"
    __table_args__ = (UniqueConstraint("user_id", "program_key", name="uq_registration_completion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    program_key: Mapped[str] = mapped_column(String(64))
    npn: Mapped[str | None] = mapped_column(String(10), index=True)
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PriorCompletion(Base):
    """A completion from a year run elsewhere, imported with `lms completions import`."""

    __tablename__ = "prior_completions"
    __table_args__ = (UniqueConstraint("npn", "program_key", name="uq_prior_completion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    npn: Mapped[str] = mapped_column(String(10), index=True)
    program_key: Mapped[str] = mapped_column(String(64))
    completed_on: Mapped[dt.date] = mapped_column(Date)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrackChoice(Base):
    """Which Marketplace track an agent takes in a program (full or returning)."""

    __tablename__ = "track_choices"
    __table_args__ = (UniqueConstraint("user_id", "program_key", name="uq_track_choice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    program_key: Mapped[str] = mapped_column(String(64))
    track_key: Mapped[str] = mapped_column(String(128))
    chosen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Setting(Base):
    """Admin-set values, such as the program agents currently work in."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
