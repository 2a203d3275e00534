"""Signed-in sessions, kept on the server so that signing out ends them everywhere a cookie was copied."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms import events
from lms.db import UnitOfWork
from lms.models import User, UserSession
from lms.models.types import utcnow
from lms.services.errors import NotFound


def start(uow: UnitOfWork, user_id: int, user_agent: str = "") -> str:
    """A new session for a user who just proved who they are; returns its id for the signed cookie."""
    session_id = secrets.token_urlsafe(32)
    with uow.write() as session:
        session.add(UserSession(id=session_id, user_id=user_id, user_agent=(user_agent or "")[:200]))
    return session_id


def user_for(session: Session, login_id: str, session_id: str | None) -> User | None:
    """The user behind a cookie: "<user id>:<auth version>" plus a session that has not ended."""
    user_id, _, version = login_id.partition(":")
    if not user_id.isdigit() or not version.isdigit() or not session_id or len(user_id) > 18:
        return None
    query = (select(User).join(UserSession, UserSession.user_id == User.id)
             .where(User.id == int(user_id), User.auth_version == int(version), UserSession.id == session_id,
                    UserSession.ended_at.is_(None)))
    return session.scalar(query)


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
