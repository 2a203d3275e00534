"""What agents did in the training: module progress, exam attempts and extra attempts granted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base
from lms.models.types import JSONText, UTCDateTime, utcnow

ATTEMPT_STATUSES = ("in_progress", "submitted")


class ModuleProgress(Base):
    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_key", name="uq_module_progress"),
                      # The people list sorts by last activity: one index probe per agent.
                      Index("ix_module_progress_user_seen", "user_id", "last_seen_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_key: Mapped[str] = mapped_column(String(200))
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    # When time was last counted, in whole seconds since 1970: seat time only ever adds the time since.
    counted_until: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ExamVersion(Base):
    """An exam exactly as it was when an attempt started (questions and key), by content hash.

    Attempts are scored and reviewed against this snapshot, so editing the YAML later never
    changes a recorded score or what a learner sees in review.
    """

    __tablename__ = "exam_versions"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    exam_key: Mapped[str] = mapped_column(String(200), index=True)
    snapshot: Mapped[dict] = mapped_column(JSONText)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "exam_key", "number", name="uq_attempt_number"),
        CheckConstraint(f"status IN {ATTEMPT_STATUSES}", name="ck_attempts_status"),
        # The admin's lists by exam; the agent as second column, so that "this agent's attempts at this
        # exam" reaches only them by either index, whatever the planner's statistics say (migration 0013).
        Index("ix_attempts_exam_user", "exam_key", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Found by uq_attempt_number, whose index leads with user_id: a second index would only be written.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    exam_key: Mapped[str] = mapped_column(String(200))
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(ForeignKey("exam_versions.content_hash"))
    seed: Mapped[int] = mapped_column(BigInteger)  # 62 random bits: never guessable from the page
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    saved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answers: Mapped[dict] = mapped_column(JSONText, default=dict)  # question id -> answer
    points: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False)
    results: Mapped[dict] = mapped_column(JSONText, default=dict)  # question id -> points earned
    # Set when an admin reset the exam for this agent: kept for history, no longer counted.
    reset_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def submitted(self) -> bool:
        return self.status == "submitted"


class AttemptItem(Base):
    """One question of a submitted attempt as it was scored, one row each, for item analysis in SQL.

    `attempts.results` holds the same points as JSON for the learner's own pages; JSON cannot be
    grouped portably, so the statistics read these rows instead.
    """

    __tablename__ = "attempt_items"
    # By version, then attempt: a submission's rows go in one place at the end of its version's run
    # (keyed by question they touched a page per question), and the statistics read them in table order.
    __table_args__ = (Index("ix_attempt_items_version_attempt", "content_hash", "attempt_id"),)

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))  # the exam version, as on the attempt
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    # Bit i set: option i (file order) was picked. None for questions that have no options to pick.
    picked: Mapped[int | None] = mapped_column(BigInteger)


class AttemptGrant(Base):
    """An administrator allowed one more attempt at an exam whose attempts were used up."""

    __tablename__ = "attempt_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    exam_key: Mapped[str] = mapped_column(String(200))
    extra_attempts: Mapped[int] = mapped_column(Integer, default=1)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    # A reset starts the exam afresh: grants made for the attempts before it stop counting too.
    reset_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TrackCompletion(Base):
    """An agent finished a track (every module read, every exam passed), recorded once when it happened."""

    __tablename__ = "track_completions"
    __table_args__ = (UniqueConstraint("user_id", "track_key", name="uq_track_completion"),
                      Index("ix_track_completions_program_user", "program_key", "user_id"))  # see migration 0013

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    track_key: Mapped[str] = mapped_column(String(128))
    program_key: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
