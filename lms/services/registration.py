"""The Registration Tracker, and registration completion: one service decides both.

Each of a program's registrations (Individual Marketplace, SHOP, ...) is complete when the profile
has a valid NPN, identity is verified, the profile is confirmed for the plan year, the
registration's training (if any) is finished and its agreements (current versions) are accepted.
`refresh` writes a completion once when that first holds (with its certificate and an event), and
marks it lapsed while it no longer holds (an NPN that turned invalid, a new agreement version).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import events
from lms.content import Catalog, Program, Registration
from lms.models import ProfileConfirmation, RegistrationCompletion, User
from lms.services import acceptances, certificates
from lms.services.npn import NPN_STATUS_WORDS
from lms.services.programs import chosen_track
from lms.services.progress import track_progress
from lms.services.shared_reads import remembered, shared_reads

NOT_STARTED, IN_PROGRESS, COMPLETE, ACTION_NEEDED, OPTIONAL, WAITING = (
    "not_started", "in_progress", "complete", "action_needed", "optional", "waiting")
STATUS_WORDS = {NOT_STARTED: "Not started", IN_PROGRESS: "In progress", COMPLETE: "Complete",
                ACTION_NEEDED: "Action needed", OPTIONAL: "Optional", WAITING: "Waiting for earlier steps"}
COMMON_STEPS = ("profile", "identity", "confirm")


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    status: str
    detail: str
    action: str | None = None  # what the agent can do next; the web layer turns it into a link
    target: str | None = None  # the content key the action is about (a track, an agreement)

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]

    @property
    def done(self) -> bool:
        return self.status == COMPLETE


@dataclass(frozen=True)
class RegistrationState:
    registration: Registration
    needs: tuple[str, ...]  # the keys of the steps this registration needs
    complete: bool
    optional: bool  # the program's other registrations: an agent may take them or not
    completion: RegistrationCompletion | None

    @property
    def listed(self) -> bool:
        return self.completion is not None and self.completion.lapsed_at is None


@dataclass(frozen=True)
class RegistrationStatus:
    program: Program
    steps: tuple[Step, ...]
    registrations: tuple[RegistrationState, ...]

    @property
    def complete(self) -> bool:
        """The program's first (Marketplace) registration is complete."""
        return bool(self.registrations) and self.registrations[0].complete

    def registration(self, key: str) -> RegistrationState | None:
        wanted = self.program.registration(key)
        return next((state for state in self.registrations if wanted and state.registration.key == wanted.key), None)

    def step(self, key: str) -> Step:
        return next(step for step in self.steps if step.key == key)

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if step.status in (NOT_STARTED, IN_PROGRESS, ACTION_NEEDED)), None)

    @property
    def training_done(self) -> bool:
        return any(step.key == "training" and step.done for step in self.steps)

    @property
    def remaining(self) -> tuple[Step, ...]:
        """The steps the Marketplace registration still needs, in the tracker's order."""
        needs = self.registrations[0].needs if self.registrations else ()
        return tuple(step for step in self.steps if step.key in needs and not step.done)


def profile_step(user: User) -> Step:
    profile = user.profile
    title = "Complete your agent profile with a valid NPN"
    if profile is None:
        return Step("profile", title, NOT_STARTED, "Enter your legal name, NPN, states and phone.", "profile")
    if not profile.is_complete:
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
        return Step("training", title, WAITING, "No Marketplace training is published for this plan year yet.")
    done = satisfying.get(track.key) or track_progress(session, catalog, user.id, track)
    locked = [state.standing for state in done.locked_exams if state.standing is not None]
    if locked:
        exam = locked[0].exam
        return Step("training", title, ACTION_NEEDED, f"You used every attempt at “{exam.title}” without passing. "
                    "Contact an administrator, who can grant another attempt.", "training", track.key)
    summary = (f"{track.title}: {done.modules_done} of {len(done.modules)} modules read, "
               f"{done.exams_passed} of {done.exams_total} exams passed.")
    return Step("training", title, IN_PROGRESS if done.started else NOT_STARTED, summary, "training", track.key)


# The tracker's statements, built once: every page of a track that unlocks with a registration asks too.
_CONFIRMED = select(ProfileConfirmation).where(ProfileConfirmation.user_id == bindparam("who"),
                                               ProfileConfirmation.program_key == bindparam("program"))
_COMPLETION = select(RegistrationCompletion).where(RegistrationCompletion.user_id == bindparam("who"),
                                                   RegistrationCompletion.program_key == bindparam("program"),
                                                   RegistrationCompletion.registration_key == bindparam("registration"))


@remembered
def confirm_step(session: Session, user: User, program: Program) -> Step:
    title = f"Update your profile and confirm it for Plan Year {program.plan_year}"
    confirmed = session.scalar(_CONFIRMED, {"who": user.id, "program": program.key})
    if confirmed is not None:
        return Step("confirm", title, COMPLETE, f"Confirmed on {confirmed.confirmed_at:%B %-d, %Y}.", "profile")
    if user.profile is None:
        return Step("confirm", title, WAITING, "Saving your profile confirms it for this plan year.", "profile")
    return Step("confirm", title, NOT_STARTED, "Check that your name, NPN, states and phone are still right, then "
                "confirm them for this plan year (one click when nothing changed).", "profile")


def agreements_step(session: Session, catalog: Catalog, user: User, program: Program, registration: Registration,
                    optional: bool) -> Step:
    names = [catalog.agreements[key] for key in registration.agreement_keys if key in catalog.agreements]
    title = f"Read and accept the {registration.title} agreement" + ("s" if len(names) != 1 else "")
    key = f"agreements-{registration.key}"
    states = [acceptances.state(session, user.id, agreement) for agreement in names]
    missing = [state for state in states if state.needs_acceptance]
    if not missing:
        dates = ", ".join(f"{state.agreement.title} (version {state.agreement.version}) on "
                          f"{state.accepted.accepted_at:%B %-d, %Y}" for state in states if state.accepted)
        return Step(key, title, COMPLETE, f"Accepted: {dates}." if dates else "No agreement is needed.")
    first = missing[0]
    if first.earlier is not None:
        return Step(key, title, ACTION_NEEDED, f"The {first.agreement.title} changed since you accepted version "
                    f"{first.earlier.version}: read version {first.agreement.version} and accept it again.",
                    "agreement", first.agreement.key)
    if optional:
        return Step(key, title, OPTIONAL, f"Only if you take part in {registration.title}: accept the "
                    f"{first.agreement.title}.", "agreement", first.agreement.key)
    return Step(key, title, NOT_STARTED, f"Accept the {first.agreement.title}.", "agreement", first.agreement.key)


def _completion(session: Session, user_id: int, program: Program, registration: Registration):
    return session.scalar(_COMPLETION, {"who": user_id, "program": program.key, "registration": registration.key})


@remembered
def registration_status(session: Session, catalog: Catalog, user: User, program: Program) -> RegistrationStatus:
    with shared_reads(session):  # its steps ask for the training tracks' progress more than once
        steps = [profile_step(user), identity_step(user), confirm_step(session, user, program)]
        states = []
        for index, registration in enumerate(program.registrations):
            optional = index > 0
            needs = list(COMMON_STEPS)
            if registration.training:
                if not any(step.key == "training" for step in steps):
                    steps.append(training_step(session, catalog, user, program))
                needs.append("training")
            step = agreements_step(session, catalog, user, program, registration, optional)
            steps.append(step)
            needs.append(step.key)
            by_key = {item.key: item for item in steps}
            complete = all(by_key[key].done for key in needs)
            states.append(RegistrationState(registration, tuple(needs), complete, optional,
                                            _completion(session, user.id, program, registration)))
        steps.append(certificate_step(session, user, program, states))
        steps.append(listing_step(program, states))
        return RegistrationStatus(program, tuple(steps), tuple(states))


def registration_complete(session: Session, catalog: Catalog, user: User, program: Program, key: str) -> bool:
    """Whether one registration holds now, as `registration_status` decides it, but asking only for its own
    steps and stopping at the first not done: an unlock condition asks this on every request to the
    track it opens (each page, each minute's heartbeat), and needs nothing else of the status."""
    wanted = program.registration(key)
    if wanted is None:
        return False
    optional = wanted is not program.registrations[0]
    steps = [lambda: profile_step(user), lambda: identity_step(user), lambda: confirm_step(session, user, program)]
    if wanted.training:
        steps.append(lambda: training_step(session, catalog, user, program))
    steps.append(lambda: agreements_step(session, catalog, user, program, wanted, optional))
    with shared_reads(session):
        return all(step().done for step in steps)


def certificate_step(session: Session, user: User, program: Program, states: list[RegistrationState]) -> Step:
    title = f"Print your {program.plan_year} Registration Completion Certificate"
    issued = certificates.for_user(session, user.id, program.key)
    if issued:
        return Step("certificate", title, COMPLETE, "Your certificate is ready to view, print or download.",
                    "certificate", issued[0].code)
    return Step("certificate", title, WAITING, "Your certificate is issued when a registration is complete.")


def listing_step(program: Program, states: list[RegistrationState]) -> Step:
    title = "Confirm your listing on the Registration Completion List"
    if any(state.listed for state in states):
        return Step("rcl", title, COMPLETE, "You are on the public Registration Completion List.", "rcl")
    lapsed = next((state.completion for state in states if state.completion and state.completion.lapsed_at), None)
    if lapsed is not None:
        return Step("rcl", title, ACTION_NEEDED, f"You are off the list since {lapsed.lapsed_at:%B %-d, %Y}: "
                    f"{lapsed.lapse_reason}", "profile")
    return Step("rcl", title, WAITING, "You are listed once a registration is complete.")


def refresh(session: Session, catalog: Catalog, program: Program, user_id: int, now: dt.datetime) -> None:
    """Write what the agent's registrations now are: a completion once, a lapse while it no longer holds."""
    user = session.get(User, user_id)
    if user is None:
        return
    status = registration_status(session, catalog, user, program)
    for state in status.registrations:
        completion = state.completion
        if state.complete:
            if completion is None:
                _complete(session, user, program, state.registration, now)
            elif completion.lapsed_at is not None:
                completion.lapsed_at, completion.lapse_reason = None, ""
                events.emit(session, "registration.restored", actor_id=None, subject_user_id=user.id,
                            program=program.key, registration=state.registration.key)
        elif completion is not None and completion.lapsed_at is None:
            missing = next(step for step in status.steps if step.key in state.needs and not step.done)
            completion.lapsed_at, completion.lapse_reason = now, f"{missing.title}: {missing.detail}"
            events.emit(session, "registration.lapsed", actor_id=None, subject_user_id=user.id, program=program.key,
                        registration=state.registration.key, reason=completion.lapse_reason)


def _complete(session: Session, user: User, program: Program, registration: Registration, now: dt.datetime) -> None:
    npn = user.profile.npn if user.profile else None
    try:
        with session.begin_nested():
            session.add(RegistrationCompletion(user_id=user.id, program_key=program.key,
                                               registration_key=registration.key, npn=npn, completed_at=now,
                                               lapse_reason=""))
    except IntegrityError:  # written a moment ago by a parallel request: once is enough
        return
    certificate = certificates.issue(session, user.id, program.key, registration.key, now)
    events.emit(session, "registration.completed", actor_id=user.id, subject_user_id=user.id, program=program.key,
                registration=registration.key, title=registration.title, certificate=certificate.code)
