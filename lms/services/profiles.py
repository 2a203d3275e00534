"""The agent profile and its NPN rules."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import events
from lms.content import Catalog, Program
from lms.db import UnitOfWork
from lms.models import AgentProfile, ProfileConfirmation
from lms.models.types import utcnow
from lms.services import registration
from lms.services.errors import FieldErrors, RuleError
from lms.services.npn import NPN_STATUS_WORDS, npn_problem  # noqa: F401  (the profile views show them)
from lms.services.registry import npn_status
from lms.services.time_zones import normalise_zone
from lms.services.us_states import STATES, normalise_state


@dataclass
class ProfileInput:
    first_name: str = ""
    last_name: str = ""
    npn: str = ""
    is_business_entity: bool = False
    resident_state: str = ""
    sell_states: list[str] = field(default_factory=list)
    phone: str = ""
    time_zone: str = ""  # blank: not chosen, times show in UTC


def normalise_phone(raw: str) -> str:
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise ValueError("Enter a 10-digit US phone number, like 202-555-0123.")
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def save_profile(uow: UnitOfWork, user_id: int, data: ProfileInput, catalog: Catalog | None = None,
                 program: Program | None = None) -> AgentProfile:
    """Validate every field, report all problems at once, then save and check the NPN.

    Saved while a program is current, the profile counts as confirmed for that plan year.
    """
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
    try:
        time_zone = normalise_zone(data.time_zone)
    except ValueError as exc:
        errors["time_zone"] = str(exc)
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
        profile.time_zone = time_zone
        profile.npn_status, profile.npn_checked_at = npn_status(session, npn), utcnow()
        try:
            with session.begin_nested():
                session.add(profile)
        except IntegrityError:
            raise taken from None
        events.emit(session, "profile.saved", actor_id=user_id, subject_user_id=user_id, created=created,
                    npn=npn, npn_status=profile.npn_status)
        if catalog is not None and program is not None:
            _confirm(session, user_id, program, utcnow())
            registration.refresh(session, catalog, program, user_id, utcnow())
    return profile


def confirm_profile(uow: UnitOfWork, catalog: Catalog, program: Program, user_id: int, now: dt.datetime) -> None:
    """The agent checked their carried-over profile and confirms it for this plan year, unchanged."""
    with uow.write() as session:
        profile = session.get(AgentProfile, user_id)
        if profile is None or not profile.is_complete:
            raise RuleError("Complete your profile first: every detail is needed before you can confirm it.")
        _confirm(session, user_id, program, now)
        registration.refresh(session, catalog, program, user_id, now)


def _confirm(session: Session, user_id: int, program: Program, now: dt.datetime) -> None:
    query = select(ProfileConfirmation).where(ProfileConfirmation.user_id == user_id,
                                              ProfileConfirmation.program_key == program.key)
    if session.scalar(query) is not None:
        return
    try:
        with session.begin_nested():
            session.add(ProfileConfirmation(user_id=user_id, program_key=program.key, confirmed_at=now))
    except IntegrityError:  # confirmed a moment ago from another tab
        return
    events.emit(session, "profile.confirmed", actor_id=user_id, subject_user_id=user_id, program=program.key)


def _npn_taken(session: Session, npn: str, user_id: int) -> bool:
    query = select(AgentProfile.user_id).where(AgentProfile.npn == npn, AgentProfile.user_id != user_id)
    return session.scalar(query) is not None


def profile_is_complete(profile: AgentProfile | None) -> bool:
    return bool(profile and profile.is_complete)


def state_choices() -> list[tuple[str, str]]:
    return sorted(STATES.items(), key=lambda item: item[1])
