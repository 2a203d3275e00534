"""What the player shows an agent: their tracks with progress, locks and where to continue."""

from __future__ import annotations

from dataclasses import dataclass

from lms.content import Catalog, Program, Track
from lms.db import UnitOfWork
from lms.models import User
from lms.services import programs, progress, registration, unlock
from lms.services.shared_reads import shared_reads


@dataclass(frozen=True)
class TrackView:
    track: Track
    progress: progress.TrackProgress
    unlock: unlock.UnlockState
    available: bool  # a returning-agent track is only for agents who completed the previous year
    is_training: bool  # satisfies the registration's training requirement


@dataclass(frozen=True)
class Access:
    available: bool
    unlock: unlock.UnlockState

    @property
    def open(self) -> bool:
        return self.available and self.unlock.unlocked


def open_to_everyone(track: Track) -> bool:
    """Every signed-in agent may use the track: no unlock conditions, not only for returning agents."""
    return not track.unlock and track.audience != "returning"


def track_access(uow: UnitOfWork, catalog: Catalog, user: User, program: Program, track: Track) -> Access:
    """May this agent use the track? Checks only what the track asks for (pages call this often): a track
    open to everyone reads nothing, so its module pages need no ORM session."""
    if open_to_everyone(track):
        return Access(True, unlock.UnlockState(True, ()))
    available = True
    if track.audience == "returning":
        available = track in programs.track_options(uow.session, catalog, user, program)
    if not track.unlock:
        return Access(available, unlock.UnlockState(True, ()))
    return Access(available, unlock.track_unlock(uow.session, catalog, user, program, track))


def track_view(uow: UnitOfWork, catalog: Catalog, user: User, program: Program, track: Track) -> TrackView:
    with shared_reads(uow.session):  # its unlock conditions may ask for tracks' progress too
        access = track_access(uow, catalog, user, program, track)
        found = progress.track_progress(uow.session, catalog, user.id, track)
    is_training = track.satisfies == program.registration_training
    return TrackView(track, found, access.unlock, access.available, is_training)


def home_tracks(uow: UnitOfWork, catalog: Catalog, user: User, program: Program) -> list[TrackView]:
    """The chosen Marketplace training first, then the program's other tracks in order."""
    with shared_reads(uow.session):  # unlock conditions ask again for other tracks' progress
        chosen = programs.chosen_track(uow.session, catalog, user, program)
        views = []
        for track in catalog.tracks_of(program):
            if track.satisfies == program.registration_training and chosen is not None and track.key != chosen.key:
                continue
            views.append(track_view(uow, catalog, user, program, track))
    views.sort(key=lambda view: not (chosen is not None and view.track.key == chosen.key))
    return views


@dataclass(frozen=True)
class HomePage:
    views: list[TrackView]
    status: registration.RegistrationStatus
    next_up: tuple[TrackView, progress.ModuleState] | None
    can_switch: bool  # between the full and the returning-agent training


def home_page(uow: UnitOfWork, catalog: Catalog, user: User, program: Program) -> HomePage:
    """The agent's tracks, where to continue and the registration status, each question asked once."""
    session = uow.session
    with shared_reads(session):
        views = home_tracks(uow, catalog, user, program)
        status = registration.registration_status(session, catalog, user, program)
        options = programs.track_options(session, catalog, user, program)
        can_switch = len(options) > 1 and not programs.choice_locked(session, catalog, user, program)
    return HomePage(views, status, continue_target(views), can_switch)


def continue_target(views: list[TrackView]):
    """The first unfinished step among open tracks: (track view, module state), or None."""
    for view in views:
        if view.available and view.unlock.unlocked and not view.progress.complete:
            step = view.progress.next_step
            if step is not None:
                return view, step
    return None
