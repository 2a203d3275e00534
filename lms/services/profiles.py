"""The agent profile and its NPN rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import events
from lms.db import UnitOfWork
from lms.models import AgentProfile
from lms.models.types import utcnow
from lms.services.errors import FieldErrors
from lms.services.npn import npn_problem
from lms.services.registry import npn_status
from lms.services.us_states import STATES, normalise_state

NPN_STATUS_WORDS = {
    "valid": "Valid: your NPN is in the producer registry with an active licence and health authority.",
    "not_found": "Not found: your NPN is not in the producer registry. Check the number, or contact your "
                 "state insurance department.",
    "inactive": "Licence inactive: the producer registry shows no active licence for this NPN.",
    "no_health_authority": "No health line of authority: the producer registry shows an active licence, but "
                           "without the health line of authority the Marketplace requires.",
    "unchecked": "Not yet checked: save your profile with an NPN to check it against the producer registry.",
}


@dataclass
class ProfileInput:
    first_name: str = ""
    last_name: str = ""
    npn: str = ""
    is_business_entity: bool = False
    resident_state: str = ""
    sell_states: list[str] = field(default_factory=list)
    phone: str = ""


def normalise_phone(raw: str) -> str:
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise ValueError("Enter a 10-digit US phone number, like 202-555-0123.")
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def save_profile(uow: UnitOfWork, user_id: int, data: ProfileInput) -> AgentProfile:
    """Validate every field, report all problems at once, then save and check the NPN."""
    errors: dict[str, str] = {}
    first, last = data.first_name.strip(), data.last_name.strip()
    if not first:
        errors["first_name"] = "Enter your legal first name (or the business name's first part)."
    if not last:
        errors["last_name"] = "Enter your legal last name."
    npn = data.npn.strip()
    problem = npn_problem(npn)
    if problem:
        errors["npn"] = problem
    resident = normalise_state(data.resident_state or "")
    if resident is None:
        errors["resident_state"] = "Choose your resident state."
    sell = sorted({code for code in (normalise_state(s) for s in data.sell_states) if code})
    if len(sell) != len(set(data.sell_states)):
        errors["sell_states"] = "Choose states from the list."
    elif not sell:
        errors["sell_states"] = "Choose at least one state where you sell."
    try:
        phone = normalise_phone(data.phone)
    except ValueError as exc:
        errors["phone"] = str(exc)
    taken = FieldErrors({"npn": "Another account already uses this NPN. Each NPN belongs to one account; if "
                                "this is your NPN, contact an administrator."})
    if not problem and _npn_taken(uow.session, npn, user_id):
        errors["npn"] = taken.errors["npn"]
    if errors:
        raise FieldErrors(errors)
    with uow.write() as session:
        profile = session.get(AgentProfile, user_id)
        created = profile is None
        if profile is None:
            profile = AgentProfile(user_id=user_id)
        profile.first_name, profile.last_name, profile.npn = first, last, npn
        profile.is_business_entity = data.is_business_entity
        profile.resident_state, profile.sell_states, profile.phone = resident, ",".join(sell), phone
        profile.npn_status, profile.npn_checked_at = npn_status(session, npn), utcnow()
        try:
            with session.begin_nested():
                session.add(profile)
        except IntegrityError:
            raise taken from None
        events.emit(session, "profile.saved", actor_id=user_id, subject_user_id=user_id, created=created,
                    npn=npn, npn_status=profile.npn_status)
    return profile


def _npn_taken(session: Session, npn: str, user_id: int) -> bool:
    query = select(AgentProfile.user_id).where(AgentProfile.npn == npn, AgentProfile.user_id != user_id)
    return session.scalar(query) is not None


def profile_is_complete(profile: AgentProfile | None) -> bool:
    return bool(profile and profile.first_name and profile.last_name and profile.npn and profile.resident_state
                and profile.sell_states and profile.phone)


def state_choices() -> list[tuple[str, str]]:
    return sorted(STATES.items(), key=lambda item: item[1])
