"""The rows each step of a demo journey leaves, as the services write them, inserted a batch at a time.

Signing up, saving the profile, an admin's identity attestation, reading a module, an exam attempt,
accepting an agreement and a registration completing each write what their service writes (the
same columns, the same audit entries with the same details), dated when the step happened. No
outbox events are written: the demo's history happened to nobody, so no email should go out for it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from lms.content import Catalog, Program
from lms.events import EVENTS
from lms.models import (
    AgentProfile,
    AgreementAcceptance,
    Attempt,
    AttemptItem,
    AuditEntry,
    Certificate,
    ModuleProgress,
    PriorCompletion,
    ProducerRecord,
    ProfileConfirmation,
    RegistrationCompletion,
    TrackChoice,
    TrackCompletion,
    User,
)
from lms.services.acceptances import sha256
from lms.services.certificates import new_code
from lms.services.item_scores import item_rows
from lms.services.profiles import normalise_phone

if TYPE_CHECKING:
    from lms.services.demo import DemoReport, Journey

USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/96.0"
PROOFING = "Remote identity proofing passed"
REGISTRY = {"valid": (True, True), "inactive": (False, True), "no_health_authority": (True, False)}
TABLES = ("users", "producer_records", "agent_profiles", "profile_confirmations", "prior_completions", "track_choices",
          "module_progress", "attempts", "attempt_items", "track_completions", "agreement_acceptances",
          "registration_completions", "certificates", "audit_log")


class _Log:
    """Audit entries of a batch, written in time order like the real log."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def emit(self, at: dt.datetime, name: str, actor_id: int | None, subject_user_id: int, **details: Any) -> None:
        if name not in EVENTS:
            raise ValueError(f"unknown event {name!r}")
        self.entries.append({"at": at, "action": name, "actor_id": actor_id, "subject_user_id": subject_user_id,
                             "details": details})


def write(session: Session, catalog: Catalog, program: Program, journeys: list[Journey], report: DemoReport, *,
          password_hash: str, admin_id: int | None) -> None:
    log = _Log()
    _insert(session, User, [{
        "email": journey.email, "password_hash": password_hash, "role": "learner", "auth_version": 1,
        "created_at": journey.created_at,
        "email_confirmed_at": step.at if (step := journey.step("confirm")) else None,
        "identity_verified_at": step.at if (step := journey.step("identity")) else None,
        "identity_verified_by_id": admin_id if journey.step("identity") else None} for journey in journeys])
    emails = [journey.email for journey in journeys]
    ids = _ids(session, select(User.email, User.id).where(User.email.in_(emails)), [(email,) for email in emails])
    for journey, user_id in zip(journeys, ids, strict=True):
        log.emit(journey.created_at, "account.created", user_id, user_id, role="learner", confirmed=False)
        if (step := journey.step("confirm")) is not None:
            log.emit(step.at, "account.confirmed", user_id, user_id)
        if (step := journey.step("identity")) is not None:
            log.emit(step.at, "identity.attested", admin_id, user_id, method="admin", reason=PROOFING)
        report.stages[journey.stage] += 1
    _profiles(session, program, journeys, ids, log)
    _training(session, catalog, program, journeys, ids, log, report)
    _registrations(session, catalog, program, journeys, ids, log, report)
    log.entries.sort(key=lambda entry: entry["at"])
    _insert(session, AuditEntry, log.entries)
    report.agents += len(journeys)
    report.audit_entries += len(log.entries)


def _profiles(session: Session, program: Program, journeys: list[Journey], ids: list[int], log: _Log) -> None:
    registry, profiles, confirmations, prior, choices = [], [], [], [], []
    for journey, user_id in zip(journeys, ids, strict=True):
        step = journey.step("profile")
        if step is None:
            continue
        saved = step.end
        if journey.npn_status in REGISTRY:
            active, health = REGISTRY[journey.npn_status]
            registry.append({"npn": journey.npn, "name": journey.full_name, "resident_state": journey.state,
                             "license_active": active, "health_authority": health, "updated_at": journey.created_at})
        rng = random.Random(journey.email)
        sells = sorted({journey.state, *rng.sample(("FL", "TX", "GA", "NC", "AZ", "OH"), rng.randint(0, 2))})
        profiles.append({"user_id": user_id, "first_name": journey.first_name, "last_name": journey.last_name,
                         "npn": journey.npn, "is_business_entity": False, "resident_state": journey.state,
                         "sell_states": ",".join(sells), "phone": normalise_phone(f"{rng.randint(201, 989)}555"
                                                                                  f"{rng.randint(100, 199):04d}"),
                         "npn_status": journey.npn_status, "npn_checked_at": saved, "time_zone": None,
                         "updated_at": saved})
        # Saved while the program is current, the profile counts as confirmed for its plan year.
        confirmations.append({"user_id": user_id, "program_key": program.key, "confirmed_at": saved})
        log.emit(saved, "profile.saved", user_id, user_id, created=True, npn=journey.npn,
                 npn_status=journey.npn_status)
        log.emit(saved, "profile.confirmed", user_id, user_id, program=program.key)
        if journey.returning and program.previous:
            prior.append({"npn": journey.npn, "program_key": program.previous, "imported_at": journey.created_at,
                          "completed_on": dt.date(2020, 8, 1) + dt.timedelta(days=rng.randint(0, 90))})
        if journey.chose_track and journey.track is not None:
            choices.append({"user_id": user_id, "program_key": program.key, "track_key": journey.track.key,
                            "chosen_at": saved})
    for model, rows in ((ProducerRecord, registry), (AgentProfile, profiles), (ProfileConfirmation, confirmations),
                        (PriorCompletion, prior), (TrackChoice, choices)):
        _insert(session, model, rows)


def _training(session: Session, catalog: Catalog, program: Program, journeys: list[Journey], ids: list[int],
              log: _Log, report: DemoReport) -> None:
    progress, attempts, planned, completions = [], [], [], []
    for journey, user_id in zip(journeys, ids, strict=True):
        for step in journey.steps:
            if step.kind == "read":
                seconds = round(step.length)
                progress.append({"user_id": user_id, "module_key": step.subject, "first_seen_at": step.at,
                                 "last_seen_at": step.end, "seconds_spent": seconds,
                                 "counted_until": int(step.end.timestamp()), "completed_at": step.end})
                log.emit(step.end, "module.completed", user_id, user_id, module=step.subject, seconds_spent=seconds)
            elif step.kind == "attempt" and step.attempt is not None:
                exam, score = step.subject, step.attempt.score
                limit = exam.time_limit_minutes
                attempts.append({"user_id": user_id, "exam_key": exam.key, "number": step.number,
                                 "content_hash": exam.content_hash, "seed": step.attempt.seed, "status": "submitted",
                                 "started_at": step.at, "deadline": step.at + dt.timedelta(minutes=limit)
                                 if limit else None, "saved_at": step.end, "submitted_at": step.end,
                                 "answers": step.attempt.answers, "points": score.points,
                                 "max_points": score.max_points, "percent": score.percent, "passed": score.passed,
                                 "timed_out": False, "results": score.results, "reset_at": None})
                planned.append((user_id, step))
        if journey.track_done_at is not None and journey.track is not None:
            completions.append({"user_id": user_id, "track_key": journey.track.key, "program_key": program.key,
                                "completed_at": journey.track_done_at})
            log.emit(journey.track_done_at, "track.completed", user_id, user_id, track=journey.track.key,
                     program=program.key)
    _insert(session, ModuleProgress, progress)
    _insert(session, Attempt, attempts)
    attempt_ids = _ids(session, select(Attempt.user_id, Attempt.exam_key, Attempt.number, Attempt.id)
                       .where(Attempt.user_id.in_(ids)),
                       [(row["user_id"], row["exam_key"], row["number"]) for row in attempts])
    items = []
    for attempt_id, (user_id, step) in zip(attempt_ids, planned, strict=True):
        exam, answered = step.subject, step.attempt
        assert answered is not None
        items += item_rows(attempt_id, exam.content_hash, exam, answered.answers, answered.score.results)
        log.emit(step.at, "attempt.started", user_id, user_id, attempt=attempt_id, exam=exam.key, number=step.number,
                 content_hash=exam.content_hash)
        log.emit(step.end, "attempt.scored", user_id, user_id, attempt=attempt_id, exam=exam.key, number=step.number,
                 percent=answered.score.percent, passed=answered.score.passed, timed_out=False)
    _insert(session, AttemptItem, items)
    _insert(session, TrackCompletion, completions)
    report.attempts += len(attempts)


def _registrations(session: Session, catalog: Catalog, program: Program, journeys: list[Journey], ids: list[int],
                   log: _Log, report: DemoReport) -> None:
    acceptances, accepted = [], []
    completions, certificates = [], []
    titles = {registration.key: registration.title for registration in program.registrations}
    for journey, user_id in zip(journeys, ids, strict=True):
        for step in journey.steps:
            if step.kind == "accept":
                agreement = step.subject
                acceptances.append({
                    "user_id": user_id, "program_key": program.key, "agreement_key": agreement.key,
                    "title": agreement.title, "version": agreement.version, "text_html": agreement.html,
                    "text_sha256": sha256(agreement.html), "typed_name": journey.full_name, "accepted_at": step.end,
                    "ip_address": f"192.0.2.{journey.index % 250 + 1}", "user_agent": USER_AGENT})
                accepted.append((user_id, step))
        for key, at in journey.completions:
            code = new_code()
            completions.append({"user_id": user_id, "program_key": program.key, "registration_key": key,
                                "npn": journey.npn, "completed_at": at, "lapsed_at": None, "lapse_reason": ""})
            certificates.append({"code": code, "user_id": user_id, "program_key": program.key,
                                 "registration_key": key, "issued_at": at, "revoked_at": None, "revoked_reason": "",
                                 "revoked_by_id": None})
            log.emit(at, "certificate.issued", user_id, user_id, code=code, program=program.key, registration=key)
            log.emit(at, "registration.completed", user_id, user_id, program=program.key, registration=key,
                     title=titles[key], certificate=code)
    _insert(session, AgreementAcceptance, acceptances)
    # Each demo agent accepts each agreement once, so (agent, agreement) names an acceptance.
    acceptance_ids = _ids(session, select(AgreementAcceptance.user_id, AgreementAcceptance.agreement_key,
                                          AgreementAcceptance.id).where(AgreementAcceptance.user_id.in_(ids)),
                          [(row["user_id"], row["agreement_key"]) for row in acceptances])
    for acceptance_id, (user_id, step) in zip(acceptance_ids, accepted, strict=True):
        agreement = step.subject
        log.emit(step.end, "agreement.accepted", user_id, user_id, agreement=agreement.key, version=agreement.version,
                 sha256=sha256(agreement.html), acceptance=acceptance_id)
    _insert(session, RegistrationCompletion, completions)
    _insert(session, Certificate, certificates)
    report.completions += len(completions)


def _insert(session: Session, model: Any, rows: Iterable[dict[str, Any]]) -> None:
    """Core executemany (batched into multi-row INSERTs where the driver allows): no ORM bookkeeping per row."""
    rows = list(rows)
    if rows:
        session.execute(insert(model.__table__), rows)


def _ids(session: Session, query: Select, keys: list[tuple]) -> list[int]:
    """The new rows' ids in the order of `keys`, read back by their natural key (`query` selects key..., id)."""
    found = {tuple(row[:-1]): row[-1] for row in session.execute(query)}
    return [found[key] for key in keys]
