"""Accepting an agreement with a typed legal name, and what follows: registration may complete.

An acceptance is append-only (database triggers refuse changes) and keeps the text exactly as
shown with its SHA-256, so an agent can view and print what they accepted, and anyone can check
that the stored text is the one that was accepted, whatever the content files say by then.
"""

from __future__ import annotations

import datetime as dt

from lms import events
from lms.content import Catalog, Program
from lms.db import UnitOfWork
from lms.models import AgentProfile, AgreementAcceptance
from lms.services import registration
from lms.services.acceptances import same_name, sha256, state
from lms.services.errors import FieldErrors, NotFound


def accept(uow: UnitOfWork, catalog: Catalog, program: Program, user_id: int, agreement_key: str, *,
           agreed: bool, typed_name: str, ip_address: str, user_agent: str, now: dt.datetime) -> AgreementAcceptance:
    """Record that the agent read and accepted the agreement's current version (again is harmless)."""
    agreement = catalog.agreements.get(agreement_key)
    if agreement is None or agreement_key not in program.agreement_keys:
        raise NotFound("There is no such agreement.")
    profile = uow.session.get(AgentProfile, user_id)
    errors = {}
    if not agreed:
        errors["agree"] = "Tick the box to say you have read and accept the agreement."
    if profile is None or not profile.full_name:
        errors["full_name"] = "Complete your profile with your legal name first; you sign with that name."
    elif not same_name(typed_name, profile.full_name):
        errors["full_name"] = (f"Type your full legal name as it is on your profile ({profile.full_name}). "
                               "Capitals and extra spaces do not matter.")
    if errors:
        raise FieldErrors(errors)
    with uow.write() as session:
        current = state(session, user_id, agreement)
        if current.accepted is not None:
            return current.accepted
        acceptance = AgreementAcceptance(
            user_id=user_id, program_key=program.key, agreement_key=agreement.key, title=agreement.title,
            version=agreement.version, text_html=agreement.html, text_sha256=sha256(agreement.html),
            typed_name=typed_name.strip()[:200], accepted_at=now, ip_address=ip_address[:64],
            user_agent=user_agent[:200])
        session.add(acceptance)
        session.flush()
        events.emit(session, "agreement.accepted", actor_id=user_id, subject_user_id=user_id, agreement=agreement.key,
                    version=agreement.version, sha256=acceptance.text_sha256, acceptance=acceptance.id)
        registration.refresh(session, catalog, program, user_id, now)
    return acceptance
