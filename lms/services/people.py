"""Looking people up and the attestations admins make about them."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from lms.models import AgentProfile, User
from lms.models.types import utcnow
from lms.services import audit
from lms.services.errors import RuleError


def find_users(session: Session, query: str = "", limit: int = 100) -> list[User]:
    statement = (select(User).outerjoin(AgentProfile, AgentProfile.user_id == User.id)
                 .options(selectinload(User.profile)).order_by(User.email).limit(limit))
    text = query.strip().lower()
    if text:
        like = f"%{text}%"
        statement = statement.where(or_(User.email.like(like), AgentProfile.npn == text,
                                        AgentProfile.first_name.ilike(like), AgentProfile.last_name.ilike(like)))
    return list(session.scalars(statement))


def attest_identity(session: Session, user: User, admin: User) -> None:
    """An admin confirms the agent completed remote identity proofing."""
    if user.identity_verified_at is not None:
        raise RuleError(f"{user.email}'s identity was already verified.")
    user.identity_verified_at = utcnow()
    user.identity_verified_by_id = admin.id
    audit.record(session, "identity.attested", actor_id=admin.id, subject_user_id=user.id, method="admin")
