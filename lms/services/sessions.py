"""Signed-in sessions, kept on the server so that signing out ends them everywhere a cookie was copied."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from lms import events
from lms.db import UnitOfWork
from lms.driver_query import DriverQuery
from lms.models import User, UserSession
from lms.models.types import utcnow
from lms.services.errors import NotFound


def start(uow: UnitOfWork, user_id: int, user_agent: str = "") -> str:
    """A new session for a user who just proved who they are; returns its id for the signed cookie."""
    session_id = secrets.token_urlsafe(32)
    with uow.write() as session:
        session.add(UserSession(id=session_id, user_id=user_id, user_agent=(user_agent or "")[:200]))
    return session_id


@dataclass(frozen=True)
class Claim:
    """Who a signed session cookie says is signed in, not yet checked against the database."""

    user_id: int
    auth_version: int
    session_id: str

    def params(self) -> dict[str, Any]:
        """The parameters of `_signed_in`, and so of `claim_holds()`."""
        return {"claimed_user": self.user_id, "claimed_version": self.auth_version, "claimed_session": self.session_id}


def claim(login_id: str, session_id: str | None) -> Claim | None:
    """The claim of a cookie's "<user id>:<auth version>" and session id, when they are well formed."""
    user_id, _, version = login_id.partition(":")
    if not user_id.isdigit() or not version.isdigit() or not session_id or len(user_id) > 18 or len(version) > 9:
        return None
    return Claim(int(user_id), int(version), session_id)


def _signed_in(*columns: Any) -> Any:
    return (select(*columns).join(UserSession, UserSession.user_id == User.id)
            .where(User.id == bindparam("claimed_user"), User.auth_version == bindparam("claimed_version"),
                   UserSession.id == bindparam("claimed_session"), UserSession.ended_at.is_(None)))


# Built once and run on the driver's cursor: it runs on every signed-in request.
_IDENTITY = DriverQuery(_signed_in(User.id, User.role, User.auth_version))


def claim_holds() -> Any:
    """A condition true while a claim's account and session are current, as `identity_for` checks them,
    binding the parameters of `Claim.params`. A write guarded by it checks who is signed in within its
    own statement: on PostgreSQL a round trip fewer for the most frequent writes there are."""
    return _signed_in(User.id).correlate(None).exists()  # never tied to a statement's own `users`


def claimed_role() -> Any:
    """The claimed account's role while the claim holds (`claim_holds`), else NULL, as a column of a
    page's own read: who is signed in and what the page shows, in one statement."""
    return _signed_in(User.role).correlate(None).scalar_subquery()


class SignedIn:
    """Who is signed in, read with one indexed Core query per request: id, role and auth version.

    Most pages need nothing more. Anything else a page asks of it (the email, the profile) loads the
    full account row once, through `load`, and is answered from that, so it stands in for a `User`.
    """

    is_active = True
    is_anonymous = False
    is_authenticated = True

    def __init__(self, user_id: int, role: str, auth_version: int, load: Callable[[int], User | None]):
        self.id, self.role, self.auth_version = user_id, role, auth_version
        self._load: Callable[[int], User | None] = load
        self._user: User | None = None

    def get_id(self) -> str:
        return f"{self.id}:{self.auth_version}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def user(self) -> User:
        if self._user is None:
            loaded = self._load(self.id)
            if loaded is None:
                raise LookupError(f"account {self.id} was deleted during the request")
            self._user = loaded
        return self._user

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


# Pages that need the account row (the tracker, the profile, a track unlocked by the registration) read
# the agent's profile next, so both come in one statement.
_WITH_PROFILE = (joinedload(User.profile),)


def identity_for(uow: UnitOfWork, login_id: str, session_id: str | None) -> SignedIn | None:
    """The signed-in identity behind a cookie, or None; the account row itself loads only if needed."""
    claimed = claim(login_id, session_id)
    if claimed is None:
        return None
    row = _IDENTITY.first(uow.connection, claimed.params())
    if row is None:
        return None
    user_id, role, auth_version = row
    return SignedIn(user_id, role, auth_version, lambda key: uow.session.get(User, key, options=_WITH_PROFILE))


def end(uow: UnitOfWork, session_id: str | None) -> None:
    """Sign this browser out; the session id stops working wherever the cookie was copied."""
    if not session_id:
        return
    with uow.write() as session:
        session.execute(update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None))
                        .values(ended_at=utcnow()))


def end_everywhere(uow: UnitOfWork, user_id: int) -> None:
    """Sign the account out of every browser and device."""
    with uow.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("There is no such account.")
        end_all(session, user)
        events.emit(session, "sessions.ended", actor_id=user_id, subject_user_id=user_id)


def end_all(session: Session, user: User) -> None:
    user.auth_version += 1
    session.execute(update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                    .values(ended_at=utcnow()))


def active(session: Session, user_id: int) -> list[UserSession]:
    query = (select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
             .order_by(UserSession.created_at.desc()))
    return list(session.scalars(query))
