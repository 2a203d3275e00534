"""The attestations admins make about people (the admin's list and person page: people_list, person)."""

from __future__ import annotations

from lms import events
from lms.content import Catalog, Program
from lms.db import UnitOfWork
from lms.models import User
from lms.models.types import utcnow
from lms.services import registration
from lms.services.errors import NotFound, RuleError


def attest_identity(uow: UnitOfWork, user_id: int, admin_id: int, catalog: Catalog | None = None,
                    program: Program | None = None, reason: str | None = None) -> User:
    """An admin confirms the agent completed remote identity proofing (it may complete a registration).

    `reason` is what the admin console asks for (how proofing was done); it must then say something.
    """
    if reason is not None and not reason.strip():
        raise RuleError("Say how the agent's identity was proofed; it goes to the audit log.")
    with uow.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("There is no such account.")
        if user.identity_verified_at is not None:
            raise RuleError(f"{user.email}'s identity was already verified.")
        user.identity_verified_at = utcnow()
        user.identity_verified_by_id = admin_id
        events.emit(session, "identity.attested", actor_id=admin_id, subject_user_id=user.id, method="admin",
                    **({"reason": reason.strip()} if reason else {}))
        if catalog is not None and program is not None:
            registration.refresh(session, catalog, program, user.id, user.identity_verified_at)
    return user
