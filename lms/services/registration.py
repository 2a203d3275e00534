"""The Registration Tracker: each step of a plan year's registration and its status.

Every screen that shows registration progress asks this one service. Steps whose feature is
not built yet say so ("available soon") rather than pretend.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from lms.content import Catalog, Program
from lms.models import User
from lms.services.profiles import NPN_STATUS_WORDS, profile_is_complete
from lms.services.programs import chosen_track
from lms.services.progress import track_progress

NOT_STARTED, IN_PROGRESS, COMPLETE, ACTION_NEEDED, UNAVAILABLE = (
    "not_started", "in_progress", "complete", "action_needed", "unavailable")
STATUS_WORDS = {NOT_STARTED: "Not started", IN_PROGRESS: "In progress", COMPLETE: "Complete",
                ACTION_NEEDED: "Action needed", UNAVAILABLE: "Available soon"}
# Steps that together make "registration complete" (DESIGN.md §1).
REQUIRED_STEPS = ("profile", "identity", "training", "agreements")


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    status: str
    detail: str
    action: str | None = None  # what the agent can do next; the web layer turns it into a link
    target: str | None = None  # the content key the action is about (a track for "training")

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]


@dataclass(frozen=True)
class RegistrationStatus:
    program: Program
    steps: tuple[Step, ...]

    @property
    def complete(self) -> bool:
        return all(step.status == COMPLETE for step in self.steps if step.key in REQUIRED_STEPS)

    def step(self, key: str) -> Step:
        return next(step for step in self.steps if step.key == key)

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if step.status not in (COMPLETE, UNAVAILABLE)), None)


def profile_step(user: User) -> Step:
    profile = user.profile
    title = "Complete your agent profile with a valid NPN"
    if profile is None:
        return Step("profile", title, NOT_STARTED, "Enter your legal name, NPN, states and phone.", "profile")
    if not profile_is_complete(profile):
        return Step("profile", title, IN_PROGRESS, "Some profile details are missing.", "profile")
    if profile.npn_status != "valid":
        return Step("profile", title, ACTION_NEEDED, NPN_STATUS_WORDS[profile.npn_status], "profile")
    return Step("profile", title, COMPLETE, f"NPN {profile.npn} is valid.", "profile")


def identity_step(user: User) -> Step:
    title = "Verify your identity"
    if user.identity_verified_at is not None:
        return Step("identity", title, COMPLETE,
                    f"Verified on {user.identity_verified_at:%B %-d, %Y}.")
    return Step("identity", title, NOT_STARTED,
                "An administrator confirms your identity after remote identity proofing. "
                "Contact your administrator if this stays incomplete.")


def requirement_met(session: Session, catalog: Catalog, user: User, program: Program, requirement: str) -> bool:
    """A requirement (such as marketplace-training) is met by completing any track that satisfies it."""
    return any(track_progress(session, catalog, user.id, track).complete
               for track in catalog.tracks_of(program) if track.satisfies == requirement)


def training_step(session: Session, catalog: Catalog, user: User, program: Program) -> Step:
    title = "Complete the Marketplace training"
    satisfying = {t.key: track_progress(session, catalog, user.id, t)
                  for t in catalog.tracks_of(program) if t.satisfies == program.registration_training}
    for done in satisfying.values():
        if done.complete:
            return Step("training", title, COMPLETE, f"You completed {done.track.title}.", "training", done.track.key)
    track = chosen_track(session, catalog, user, program)
    if track is None:
        return Step("training", title, UNAVAILABLE, "No Marketplace training is published for this plan year yet.")
    done = satisfying.get(track.key) or track_progress(session, catalog, user.id, track)
    locked = [state.standing for state in done.locked_exams if state.standing is not None]
    if locked:
        exam = locked[0].exam
        return Step("training", title, ACTION_NEEDED, f"You used every attempt at “{exam.title}” without passing. "
                    "Contact an administrator, who can grant another attempt.", "training", track.key)
    summary = (f"{track.title}: {done.modules_done} of {len(done.modules)} modules read, "
               f"{done.exams_passed} of {done.exams_total} exams passed.")
    return Step("training", title, IN_PROGRESS if done.started else NOT_STARTED, summary, "training", track.key)


def registration_status(session: Session, catalog: Catalog, user: User, program: Program) -> RegistrationStatus:
    steps = (
        profile_step(user),
        identity_step(user),
        training_step(session, catalog, user, program),
        Step("agreements", "Read and accept the Marketplace agreements", UNAVAILABLE,
             "Accepting agreements online is available soon."),
        Step("certificate", f"Print your {program.plan_year} Registration Completion Certificate", UNAVAILABLE,
             "Certificates are available soon."),
        Step("rcl", "Confirm your listing on the Registration Completion List", UNAVAILABLE,
             "The public Registration Completion List is available soon."),
    )
    return RegistrationStatus(program, steps)
