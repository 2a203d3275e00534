"""Tokens for the read-only API: made by admins, shown once, stored only as a SHA-256, revocable.

A token acts with its owner's role at each request, so demoting an admin silences their tokens
without anyone having to remember them. Creating and revoking are written to the audit log with
the token's name and prefix, never its secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from lms import events
from lms.db import UnitOfWork
from lms.models import ApiToken, User
from lms.services.errors import NotFound, RuleError

SECRET_START = "lms_"
PREFIX_LENGTH = len(SECRET_START) + 8
NAME_LENGTH = 100
# Longer than any secret we make: anything bigger is refused before it is hashed.
_LONGEST_SECRET = 100


@dataclass(frozen=True)
class NewToken:
    id: int
    name: str
    prefix: str
    secret: str  # shown to the admin this once; only its hash is kept


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    prefix: str
    owner_id: int
    owner_email: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_by_email: str | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _admin(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.role != "admin":
        raise RuleError("Only admins hold API tokens.")
    return user


def create(uow: UnitOfWork, admin_id: int, name: str, now: dt.datetime) -> NewToken:
    """A new token for `admin_id`, named for what will use it; the secret is returned here and nowhere else."""
    name = " ".join(name.split())
    if not name:
        raise RuleError("Name the token after the program or person that will use it, such as “Nightly "
                        "export to the data warehouse”.")
    if len(name) > NAME_LENGTH:
        raise RuleError(f"Keep the name to {NAME_LENGTH} characters or fewer.")
    secret = SECRET_START + secrets.token_urlsafe(32)
    with uow.write() as session:
        _admin(session, admin_id)
        token = ApiToken(user_id=admin_id, name=name, prefix=secret[:PREFIX_LENGTH], secret_sha256=digest(secret),
                         created_at=now)
        session.add(token)
        session.flush()
        events.emit(session, "api_token.created", actor_id=admin_id, subject_user_id=admin_id, token_id=token.id,
                    token_name=name, prefix=token.prefix)
        return NewToken(token.id, name, token.prefix, secret)


def revoke(uow: UnitOfWork, token_id: int, admin_id: int, now: dt.datetime) -> str:
    """Any admin may revoke any token (a colleague who left, a script that leaked); requests with it then fail.

    Returns the token's name."""
    with uow.write() as session:
        _admin(session, admin_id)
        token = session.get(ApiToken, token_id)
        if token is None:
            raise NotFound("There is no such API token.")
        if token.revoked_at is not None:
            raise RuleError(f"The token “{token.name}” was already revoked on {token.revoked_at:%B %-d, %Y}.")
        token.revoked_at, token.revoked_by_id = now, admin_id
        events.emit(session, "api_token.revoked", actor_id=admin_id, subject_user_id=token.user_id,
                    token_id=token.id, token_name=token.name, prefix=token.prefix)
        return token.name


def tokens(session: Session) -> list[TokenRow]:
    """Every token, working ones first, newest first within each."""
    owner, revoker = aliased(User), aliased(User)
    query = (select(ApiToken.id, ApiToken.name, ApiToken.prefix, ApiToken.user_id, owner.email, ApiToken.created_at,
                    ApiToken.revoked_at, revoker.email)
             .join(owner, owner.id == ApiToken.user_id)
             .outerjoin(revoker, revoker.id == ApiToken.revoked_by_id)
             .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()))
    return [TokenRow(*row) for row in session.execute(query)]


def holder(session: Session, secret: str) -> int | None:
    """The id of the admin a working token belongs to; None for anything else (unknown, revoked, not an admin)."""
    if not secret.startswith(SECRET_START) or len(secret) > _LONGEST_SECRET:
        return None
    return session.scalar(select(ApiToken.user_id).join(User, User.id == ApiToken.user_id)
                          .where(ApiToken.secret_sha256 == digest(secret), ApiToken.revoked_at.is_(None),
                                 User.role == "admin"))
