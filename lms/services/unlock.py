"""Whether a track is open to an agent, and in plain words why not."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from lms.content import Catalog, Condition, Program, Track
from lms.models import User
from lms.services import acceptances, progress, registration
from lms.services.shared_reads import shared_reads


@dataclass(frozen=True)
class UnlockState:
    unlocked: bool
    waiting_for: tuple[str, ...]  # each unmet condition, worded to follow "Unlocks when ..."

    @property
    def reason(self) -> str:
        return "Unlocks when " + " and ".join(self.waiting_for) + "." if self.waiting_for else ""


def condition_met(session: Session, catalog: Catalog, user: User, program: Program, condition: Condition) -> bool:
    if condition.kind == "registration":
        return registration.registration_complete(session, catalog, user, program, condition.value)
    if condition.kind == "completed":
        track = catalog.tracks.get(f"{program.key}/{condition.value}")
        return track is not None and progress.track_progress(session, catalog, user.id, track).complete
    if condition.kind == "satisfied":
        return registration.requirement_met(session, catalog, user, program, condition.value)
    agreement = catalog.agreements.get(f"{program.key}/{condition.value}")
    return agreement is not None and not acceptances.state(session, user.id, agreement).needs_acceptance


def track_unlock(session: Session, catalog: Catalog, user: User, program: Program, track: Track) -> UnlockState:
    with shared_reads(session):  # conditions ask for tracks' progress, and so does the registration status
        waiting = tuple(condition.describe(catalog, program.key) for condition in track.unlock
                        if not condition_met(session, catalog, user, program, condition))
    return UnlockState(not waiting, waiting)
