"""Looking people up and the attestations admins make about them."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from lms import events
from lms.content import Catalog, Program
from lms.db import UnitOfWork
from lms.models import AgentProfile, User
from lms.models.types import utcnow
from lms.services import registration
from lms.services.errors import NotFound, RuleError


def find_users(session: Session, query: str = "", limit: int = 100) -> list[User]:
    statement = (select(User).outerjoin(AgentProfile, AgentProfile.user_id == User.id)
                 .options(selectinload(User.profile)).order_by(User.email).limit(limit))
    text = query.strip().lower()
    if text:
        like = f"%{text}%"
        statement = statement.where(or_(User.email.like(like), AgentProfile.npn == text,
                                        AgentProfile.first_name.ilike(like), AgentProfile.last_name.ilike(like)))
    return list(session.scalars(statement))


def attest_identity(uow: UnitOfWork, user_id: int, admin_id: int, catalog: Catalog | None = None,
                    program: Program | None = None) -> User:
    """An admin confirms the agent completed remote identity proofing (it may complete a registration)."""
    with uow.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("There is no such account.")
        if user.identity_verified_at is not None:
            raise RuleError(f"{user.email}'s identity was already verified.")
        user.identity_verified_at = utcnow()
        user.identity_verified_by_id = admin_id
        events.emit(session, "identity.attested", actor_id=admin_id, subject_user_id=user.id, method="admin")
        if catalog is not None and program is not None:
            registration.refresh(session, catalog, program, user.id, user.identity_verified_at)
    return user
