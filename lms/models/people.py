"""Accounts and the agent profile that goes with each learner account."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base
from lms.models.types import UTCDateTime, utcnow

ROLES = ("learner", "author", "admin")
NPN_STATUSES = ("unchecked", "valid", "not_found", "inactive", "no_health_authority")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="ck_users_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored normalised: trimmed, lower-case
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="learner")
    # Bumped when the password changes or the owner signs out everywhere: every session ends.
    auth_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the owner followed the link emailed at sign-up (or an admin created the account).
    email_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    identity_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    identity_verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    profile: Mapped[AgentProfile | None] = relationship(back_populates="user", uselist=False,
                                                          foreign_keys="AgentProfile.user_id")

    # Flask-Login protocol
    is_active = True
    is_anonymous = False
    is_authenticated = True

    def get_id(self) -> str:
        return f"{self.id}:{self.auth_version}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def identity_verified(self) -> bool:
        return self.identity_verified_at is not None


class AgentProfile(Base):
    __tablename__ = "agent_profiles"
    __table_args__ = (CheckConstraint(f"npn_status IN {NPN_STATUSES}", name="ck_profiles_npn_status"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    # Unique across accounts; NULL until entered (a UNIQUE column may hold many NULLs).
    npn: Mapped[str | None] = mapped_column(String(10), unique=True)
    is_business_entity: Mapped[bool] = mapped_column(Boolean, default=False)
    resident_state: Mapped[str | None] = mapped_column(String(2))
    sell_states: Mapped[str] = mapped_column(Text, default="")  # comma-separated state codes
    phone: Mapped[str] = mapped_column(String(20), default="")
    npn_status: Mapped[str] = mapped_column(String(24), default="unchecked")
    npn_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # An IANA name (America/Chicago); NULL until chosen, and times show in UTC meanwhile.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="profile", foreign_keys=[user_id])

    @property
    def sell_state_list(self) -> list[str]:
        return [code for code in self.sell_states.split(",") if code]

    @property
    def is_complete(self) -> bool:
        """Every detail registration needs is filled in (whether the NPN is valid is another question)."""
        return bool(self.first_name and self.last_name and self.npn and self.resident_state and self.sell_states
                    and self.phone)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class UserSession(Base):
    """One signed-in browser. Signing out ends it on the server, so a copied cookie stops working too."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random, unguessable; kept in the signed cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
