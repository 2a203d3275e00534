"""Records tied to a plan year program: completions, track choices and admin settings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base
from lms.models.types import UTCDateTime, utcnow


class RegistrationCompletion(Base):
    """An agent completed one of a program's registrations here, written once when it happened.

    A completion lapses (and leaves the public list) while the agent's NPN is not valid; it comes
    back when the NPN is valid again. The returning-agent rule of the next year reads these rows.
    """

    __tablename__ = "registration_completions"
    __table_args__ = (UniqueConstraint("user_id", "program_key", "registration_key",
                                       name="uq_registration_completion"),
                      Index("ix_registration_completions_program_user", "program_key", "user_id"))  # migration 0013

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    program_key: Mapped[str] = mapped_column(String(64))
    registration_key: Mapped[str] = mapped_column(String(64), default="individual")
    npn: Mapped[str | None] = mapped_column(String(10), index=True)
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lapsed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lapse_reason: Mapped[str] = mapped_column(Text, default="")


class ProfileConfirmation(Base):
    """The agent reviewed their profile and confirmed it for this plan year (announcement step 2)."""

    __tablename__ = "profile_confirmations"
    __table_args__ = (UniqueConstraint("user_id", "program_key", name="uq_profile_confirmation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    program_key: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgreementAcceptance(Base):
    """An agent accepted an agreement: append-only (the database refuses UPDATE and DELETE).

    `text_html` is the text exactly as shown, and `text_sha256` its SHA-256, so the acceptance can be
    shown, printed and checked later whatever the content files say by then.
    """

    __tablename__ = "agreement_acceptances"
    __table_args__ = (Index("ix_agreement_acceptances_agreement_user", "agreement_key", "user_id"),)  # migration 0013

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    program_key: Mapped[str] = mapped_column(String(64))
    agreement_key: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(64))
    text_html: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    typed_name: Mapped[str] = mapped_column(String(200))
    accepted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class Certificate(Base):
    """A Registration Completion Certificate: one per agent, program and registration, publicly verifiable."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "program_key", "registration_key", name="uq_certificate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # random, unguessable; printed and in the QR code
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    program_key: Mapped[str] = mapped_column(String(64))
    registration_key: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


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


class HodStatistic(Base):
    """Help On Demand referral statistics for one NPN and one period, imported with `lms hod import`."""

    __tablename__ = "hod_statistics"
    __table_args__ = (UniqueConstraint("npn", "period", name="uq_hod_statistic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    npn: Mapped[str] = mapped_column(String(10), index=True)
    period: Mapped[str] = mapped_column(String(7))  # 2021-Q4 or 2021-12: sorts in time order
    offered: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)  # accepted within 15 minutes
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReminderSent(Base):
    """A reminder went to an agent: each kind once per agent and program."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("user_id", "program_key", "kind", name="uq_reminder_sent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    program_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
