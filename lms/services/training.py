"""Finishing things in the training: a module, a track, and what that finishes next (a registration)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from lms import events
from lms.content import Catalog, Module
from lms.db import UnitOfWork
from lms.driver_query import DriverQuery, DriverWrite
from lms.models import ModuleProgress, TrackCompletion
from lms.services import registration, seat_time
from lms.services.module_page import Progress
from lms.services.progress import track_progress
from lms.services.recent import Recent


@dataclass(frozen=True)
class Completion:
    progress: Progress
    seconds_short: int = 0  # more time the module needs before it counts; 0 once it is complete


# Completes the module only if it is open and its minimum time is spent: of two tabs marking it
# complete at once, one matches (and records the event), the other finds it done.
_COMPLETE = DriverWrite(update(ModuleProgress)
                        .where(ModuleProgress.user_id == bindparam("who"),
                               ModuleProgress.module_key == bindparam("module"),
                               ModuleProgress.completed_at.is_(None),
                               ModuleProgress.seconds_spent >= bindparam("required")))
_PROGRESS = DriverQuery(select(ModuleProgress.completed_at, ModuleProgress.seconds_spent)
                        .where(ModuleProgress.user_id == bindparam("who"),
                               ModuleProgress.module_key == bindparam("module")))


def complete_module(uow: UnitOfWork, catalog: Catalog, user_id: int, module_key: str,
                    opened_at: dt.datetime | None, now: dt.datetime) -> Completion:
    """Mark a module complete, counting the time since the page opened first. Where the program sets a
    minimum time and it is not yet spent, the module stays open and the time counted so far is kept.

    Driver statements on the write's connection (no ORM session unless the track is finished): the
    seat time's upsert, the bounded UPDATE that completes, the row read back, the event."""
    module = catalog.modules.get(module_key)
    required = catalog.minimum_seconds(module) if module is not None else 0
    keys = {"who": user_id, "module": module_key}
    with uow.write_rows() as connection:
        seat_time.count(uow, user_id, module_key, opened_at, now, seat_time.STRETCH_CAP)
        completed = _COMPLETE.run(connection, {**keys, "required": required, "completed_at": now}) == 1
        row = _PROGRESS.one(connection, keys)  # seat_time.count made it
        progress = Progress(row.completed_at, row.seconds_spent)
        if completed:
            events.emit(connection, "module.completed", actor_id=user_id, subject_user_id=user_id, module=module_key,
                        seconds_spent=row.seconds_spent)
            if module is not None:
                record_track_completion(uow, catalog, user_id, module, now)
        elif row.completed_at is None:
            return Completion(progress, required - row.seconds_spent)
    return Completion(progress)


def track_module_keys(catalog: Catalog, module: Module) -> tuple[str, ...]:
    """The modules of `module`'s track, all of which an agent completes to complete the track."""
    track = catalog.tracks.get(module.track_key)
    return tuple(each.key for each in catalog.modules_of(track)) if track is not None else ()


def _completed_modules(keys: tuple[str, ...]) -> DriverQuery:
    """How many of these modules the agent has completed: one prepared count per track, its keys
    written into the statement (an IN list's SQL would be rendered again on every call)."""
    found = _COUNTS.get(keys)
    if found is None:
        found = DriverQuery(select(func.count().label("done")).select_from(ModuleProgress)
                            .where(ModuleProgress.user_id == bindparam("who"),
                                   or_(*(ModuleProgress.module_key == key for key in keys)),
                                   ModuleProgress.completed_at.is_not(None)))
        _COUNTS.put(keys, found)
    return found


_COUNTS: Recent[tuple[str, ...], DriverQuery] = Recent(size=256)


def record_track_completion(uow: UnitOfWork, catalog: Catalog, user_id: int, module: Module,
                            now: dt.datetime) -> bool:
    """Inside the write that finished a module (read, or its exam passed): record its track's completion once."""
    track = catalog.tracks.get(module.track_key)
    if track is None:
        return False
    # Most calls come from passing an exam or reading a module mid-track: one count on the write's
    # connection says "not yet" cheaply, without an ORM session (a submission has none till here).
    keys = track_module_keys(catalog, module)
    uow.flush()  # a module marked complete in this transaction is counted
    if keys and _completed_modules(keys).one(uow.connection, {"who": user_id}).done < len(keys):
        return False
    session = uow.session
    if not track_progress(session, catalog, user_id, track).complete:
        return False
    done = select(TrackCompletion.id).where(TrackCompletion.user_id == user_id, TrackCompletion.track_key == track.key)
    if session.scalar(done) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(TrackCompletion(user_id=user_id, track_key=track.key, program_key=track.program_key,
                                        completed_at=now))
    except IntegrityError:  # recorded a moment ago by the agent's other tab
        return False
    events.emit(session, "track.completed", actor_id=user_id, subject_user_id=user_id, track=track.key,
                program=track.program_key)
    program = catalog.programs.get(track.program_key)
    if program is not None:
        registration.refresh(session, catalog, program, user_id, now)
    return True
