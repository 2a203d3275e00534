"""Which plan year an agent works in, and which Marketplace track they take in it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.orm import Session

from lms import events
from lms.content import Catalog, Program, Track
from lms.db import UnitOfWork
from lms.models import PriorCompletion, RegistrationCompletion, Setting, TrackChoice, User
from lms.services.errors import NotFound, RuleError
from lms.services.progress import exam_attempted
from lms.services.shared_reads import remembered

CURRENT_PROGRAM = "current_program"


def admin_choice(session: Session) -> str | None:
    """The program key an admin chose, or None when the newest open program is used."""
    setting = session.get(Setting, CURRENT_PROGRAM)
    return setting.value if setting else None


def current_program(session: Session, catalog: Catalog, today: dt.date) -> Program | None:
    """The admin's choice when set and still published, else the catalog's newest open program."""
    chosen = admin_choice(session)
    if chosen is not None and chosen in catalog.programs:
        return catalog.programs[chosen]
    return catalog.current_program(today)


def set_current_program(uow: UnitOfWork, catalog: Catalog, key: str | None, actor_id: int | None) -> None:
    """Pin the program agents work in (None: follow the newest open program)."""
    if key is not None and key not in catalog.programs:
        raise RuleError(f"There is no program '{key}'. Published programs: {', '.join(sorted(catalog.programs))}.")
    with uow.write() as session:
        setting = session.get(Setting, CURRENT_PROGRAM)
        old = setting.value if setting else None
        if key is None:
            if setting is not None:
                session.delete(setting)
        elif setting is None:
            session.add(Setting(key=CURRENT_PROGRAM, value=key))
        else:
            setting.value = key
        events.emit(session, "program.current_set", actor_id=actor_id, old=old, new=key)


def training_tracks(catalog: Catalog, program: Program) -> tuple[Track | None, Track | None]:
    """(full track, returning-agent track) among those satisfying the registration's training."""
    full = returning = None
    for track in catalog.tracks_of(program):
        if track.satisfies != program.registration_training:
            continue
        if track.audience == "returning":
            returning = returning or track
        else:
            full = full or track
    return full, returning


# Built once: the home page and the tracker ask on every view. Completed in that program under this
# account, or under the agent's NPN (another account, or a file of earlier completions): one statement.
_COMPLETED = select(or_(
    exists().where(RegistrationCompletion.program_key == bindparam("program"),
                   RegistrationCompletion.user_id == bindparam("who")),
    exists().where(RegistrationCompletion.program_key == bindparam("program"),
                   RegistrationCompletion.npn == bindparam("npn")),
    exists().where(PriorCompletion.program_key == bindparam("program"), PriorCompletion.npn == bindparam("npn"))))
_CHOICE = select(TrackChoice).where(TrackChoice.user_id == bindparam("who"),
                                   TrackChoice.program_key == bindparam("program"))


def completed_previous_year(session: Session, user: User, program: Program) -> bool:
    """Did this agent complete registration in the program named by `previous:`?"""
    if not program.previous:
        return False
    npn = (user.profile.npn if user.profile else None) or None  # no NPN matches none (NULL = NULL is not true)
    return bool(session.scalar(_COMPLETED, {"program": program.previous, "who": user.id, "npn": npn}))


@remembered
def track_options(session: Session, catalog: Catalog, user: User, program: Program) -> list[Track]:
    """The Marketplace tracks this agent may take: the full one, and the returning one if eligible."""
    full, returning = training_tracks(catalog, program)
    options = [track for track in (full,) if track]
    if returning and completed_previous_year(session, user, program):
        options.append(returning)
    return options


@remembered
def chosen_track(session: Session, catalog: Catalog, user: User, program: Program) -> Track | None:
    options = track_options(session, catalog, user, program)
    choice = session.scalar(_CHOICE, {"who": user.id, "program": program.key})
    if choice is not None:
        for track in options:
            if track.key == choice.track_key:
                return track
    return options[0] if options else None


def choice_locked(session: Session, catalog: Catalog, user: User, program: Program) -> bool:
    """The choice is final once an exam of the chosen track has been attempted."""
    current = chosen_track(session, catalog, user, program)
    return current is not None and exam_attempted(session, catalog, user.id, current)


def choose_track(uow: UnitOfWork, catalog: Catalog, user_id: int, program: Program, track_key: str) -> Track:
    """Record the agent's choice of full or returning-agent training, while it may still change."""
    with uow.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("There is no such account.")
        options = {track.key: track for track in track_options(session, catalog, user, program)}
        if track_key not in options:
            raise RuleError("That training is not available to you for this plan year.")
        current = chosen_track(session, catalog, user, program)
        if current is not None and current.key != track_key and choice_locked(session, catalog, user, program):
            raise RuleError(f"You have already taken an exam in {current.title}, so your training choice can no "
                            "longer change. Contact an administrator if you need help.")
        choice = session.scalar(_CHOICE, {"who": user.id, "program": program.key})
        if choice is None:
            session.add(TrackChoice(user_id=user.id, program_key=program.key, track_key=track_key))
        else:
            choice.track_key = track_key
    return options[track_key]
