"""What admins can take away: people, scores, completions and the audit log, as CSV or through the API.

Each export is one SQL query over indexed joins, read by keyset (see export_base); nothing is
looked up row by row. Filters name the same choices as the admin pages (the people export takes
the people list's own filters), and a value outside them is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, false, select
from sqlalchemy.orm import Session, aliased

from lms.content import Catalog, Program
from lms.events import EVENTS
from lms.models import AgentProfile, Attempt, AuditEntry, Certificate, RegistrationCompletion, User
from lms.models.people import NPN_STATUSES, ROLES
from lms.services import people_list, programs
from lms.services.export_base import Export, Field, Param, Row
from lms.services.people_list import PeopleFilter

USER_ID = Param("user_id", "Only this person's rows (their account id).", integer=True)
_PERSON = (Field("user_id", "integer", "The account's id."), Field("email", "string", "The account's email address."),
           Field("first_name", "string", "First name from the agent's profile.", nullable=True),
           Field("last_name", "string", "Last name from the agent's profile.", nullable=True),
           Field("npn", "string", "National Producer Number from the agent's profile.", nullable=True))
_PERSON_COLUMNS = (User.email, AgentProfile.first_name, AgentProfile.last_name, AgentProfile.npn)
REGISTRATION_STATUSES = ("complete", "lapsed", "incomplete")


def _choices(pairs: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(value for value, _ in pairs if value)


def definitions(catalog: Catalog, program: Program | None) -> dict[str, Export]:
    """Every export, by the name its URL uses. `program` is the current one, which the people export reports on."""
    return {export.name: export for export in (_people(catalog, program), _scores(catalog), _completions(catalog),
                                               _audit())}


def available(session: Session, catalog: Catalog, today: dt.date) -> dict[str, Export]:
    """Every export as of today: the people export reports on the program agents currently work in."""
    return definitions(catalog, programs.current_program(session, catalog, today))


# --- people ------------------------------------------------------------------------------------------------------

def _people(catalog: Catalog, program: Program | None) -> Export:
    registrations = program.registrations if program else ()
    fields = (
        Field("user_id", "integer", "The account's id."), Field("email", "string", "The account's email address."),
        Field("role", "string", "What the account may do.", choices=ROLES),
        Field("created_at", "date-time", "When the account was made."),
        Field("email_confirmed_at", "date-time", "When the owner confirmed the address.", nullable=True),
        Field("identity_verified_at", "date-time", "When identity proofing was attested.", nullable=True),
        Field("first_name", "string", "First name from the agent's profile.", nullable=True),
        Field("last_name", "string", "Last name from the agent's profile.", nullable=True),
        Field("npn", "string", "National Producer Number.", nullable=True),
        Field("npn_status", "string", "The NPN as the producer registry last found it.", nullable=True,
              choices=NPN_STATUSES),
        Field("business_entity", "boolean", "Whether the NPN is a business entity's.", nullable=True),
        Field("resident_state", "string", "Resident state (two letters).", nullable=True),
        Field("sell_states", "strings", "States the agent sells in (two letters each)."),
        Field("phone", "string", "Phone number from the profile.", nullable=True),
        *(Field(f"registration_{registration.key}", "string",
                f"{registration.title} registration in the current program.", choices=REGISTRATION_STATUSES,
                computed=True)
          for registration in registrations))
    params = (
        Param("role", "Which accounts (default: agents, as on the people list).", choices=_choices(
            people_list.ROLE_CHOICES), labels=people_list.ROLE_CHOICES, default="learner"),
        Param("q", "Part of a name or email address, or the start of an NPN."),
        Param("npn", "The NPN's state.", choices=_choices(people_list.NPN_CHOICES),
              labels=people_list.NPN_CHOICES),
        Param("identity", "Whether identity proofing is attested.", choices=_choices(people_list.IDENTITY_CHOICES),
              labels=people_list.IDENTITY_CHOICES),
        Param("training", "Where the agent is in the current program's Marketplace training.",
              choices=_choices(people_list.TRAINING_CHOICES), labels=people_list.TRAINING_CHOICES),
        Param("registration", "A registration of the current program and its state, such as individual:complete.",
              choices=_choices(people_list.registration_choices(program)),
              labels=people_list.registration_choices(program)))

    def query(filters: dict[str, Any]) -> Select:
        chosen = PeopleFilter(text=filters.get("q", ""), role=filters["role"],
                              npn=filters.get("npn", ""), identity=filters.get("identity", ""),
                              training=filters.get("training", ""), registration=filters.get("registration", ""))
        return (select(User.id, User.email, User.role, User.created_at, User.email_confirmed_at,
                       User.identity_verified_at, AgentProfile.first_name, AgentProfile.last_name, AgentProfile.npn,
                       AgentProfile.npn_status, AgentProfile.is_business_entity, AgentProfile.resident_state,
                       AgentProfile.sell_states, AgentProfile.phone)
                .outerjoin(AgentProfile, AgentProfile.user_id == User.id)
                .where(*people_list.conditions(catalog, program, chosen)))

    def enrich(session: Session, rows: list[Row]) -> None:
        found: dict[tuple[int, str], bool] = {}
        if program is not None:
            found = {(user_id, key): lapsed is None for user_id, key, lapsed in session.execute(
                select(RegistrationCompletion.user_id, RegistrationCompletion.registration_key,
                       RegistrationCompletion.lapsed_at)
                .where(RegistrationCompletion.user_id.in_([row["user_id"] for row in rows]),
                       RegistrationCompletion.program_key == program.key))}
        for row in rows:
            row["sell_states"] = [code for code in (row["sell_states"] or "").split(",") if code]
            row["phone"] = row["phone"] or None
            for registration in registrations:
                holds = found.get((row["user_id"], registration.key))
                row[f"registration_{registration.key}"] = ("incomplete" if holds is None
                                                           else "complete" if holds else "lapsed")

    return Export("people", "People", "Accounts with their profile, and where each stands in the current "
                  "program's registrations. Filters are the people list's.", fields, params, User.id, query, enrich)


# --- scores ------------------------------------------------------------------------------------------------------

def _program_exams(catalog: Catalog, program: Program) -> list[str]:
    return sorted({module.exam_key for track in catalog.tracks_of(program) for module in catalog.modules_of(track)
                   if module.exam_key})


def _scores(catalog: Catalog) -> Export:
    fields = (
        Field("attempt_id", "integer", "The attempt's id."), *_PERSON,
        Field("exam", "string", "The exam's key, such as py2022/marketplace/eligibility."),
        Field("exam_title", "string", "The exam's title today (null if its file is gone).", nullable=True,
              computed=True),
        Field("attempt", "integer", "The attempt's number for this agent and exam, from 1."),
        Field("content_hash", "string", "The exam version the attempt was taken on."),
        Field("status", "string", "Whether the attempt is still open.", choices=("in_progress", "submitted")),
        Field("started_at", "date-time", "When the attempt began."),
        Field("submitted_at", "date-time", "When it was submitted or timed out.", nullable=True),
        Field("points", "number", "Points scored.", nullable=True),
        Field("max_points", "number", "Points available.", nullable=True),
        Field("percent", "number", "The score in percent.", nullable=True),
        Field("passed", "boolean", "Whether the score reached the pass mark.", nullable=True),
        Field("timed_out", "boolean", "Whether the time limit ended the attempt."),
        Field("reset_at", "date-time", "When an admin reset the exam: the attempt stays for history and no longer "
                                       "counts.", nullable=True))
    params = (Param("program", "Only the exams of this program.", choices=tuple(catalog.programs)),
              Param("exam", "Only this exam (its key)."),
              Param("status", "Only open or only submitted attempts.", choices=("in_progress", "submitted")),
              USER_ID)
    titles = {key: exam.title for key, exam in catalog.exams.items()}

    def query(filters: dict[str, Any]) -> Select:
        found = (select(Attempt.id, Attempt.user_id, *_PERSON_COLUMNS, Attempt.exam_key, Attempt.number,
                        Attempt.content_hash, Attempt.status, Attempt.started_at, Attempt.submitted_at,
                        Attempt.points, Attempt.max_points, Attempt.percent, Attempt.passed, Attempt.timed_out,
                        Attempt.reset_at)
                 .join(User, User.id == Attempt.user_id)
                 .outerjoin(AgentProfile, AgentProfile.user_id == Attempt.user_id))
        if "program" in filters:
            keys = _program_exams(catalog, catalog.programs[filters["program"]])
            found = found.where(Attempt.exam_key.in_(keys) if keys else false())
        if "exam" in filters:
            found = found.where(Attempt.exam_key == filters["exam"])
        if "status" in filters:
            found = found.where(Attempt.status == filters["status"])
        if "user_id" in filters:
            found = found.where(Attempt.user_id == filters["user_id"])
        return found

    def enrich(_session: Session, rows: list[Row]) -> None:
        for row in rows:
            row["exam_title"] = titles.get(row["exam"])

    return Export("scores", "Scores", "Every exam attempt with its score, oldest first.", fields, params, Attempt.id,
                  query, enrich)


# --- completions -------------------------------------------------------------------------------------------------

def _completions(catalog: Catalog) -> Export:
    registration_keys = tuple(sorted({registration.key for program in catalog.programs.values()
                                      for registration in program.registrations}))
    fields = (
        Field("completion_id", "integer", "The completion's id."), *_PERSON[:4],
        Field("npn", "string", "The NPN the registration was completed with.", nullable=True),
        Field("program", "string", "The plan year program, such as py2022."),
        Field("registration", "string", "Which registration: individual, shop, ..."),
        Field("completed_at", "date-time", "When the registration was completed."),
        Field("lapsed_at", "date-time", "Set while the registration does not hold (an NPN turned invalid, a new "
                                        "agreement); it is then off the public list.", nullable=True),
        Field("lapse_reason", "string", "Why it lapsed.", nullable=True),
        Field("certificate_code", "string", "The certificate's code, verifiable at /verify/<code>.", nullable=True),
        Field("certificate_revoked_at", "date-time", "When an admin revoked the certificate.", nullable=True))
    params = (Param("program", "Only this program's registrations.", choices=tuple(catalog.programs)),
              Param("registration", "Only this registration.", choices=registration_keys),
              Param("status", "Only registrations that hold (complete) or that lapsed.",
                    choices=("complete", "lapsed")),
              USER_ID)

    def query(filters: dict[str, Any]) -> Select:
        done = RegistrationCompletion
        found = (select(done.id, done.user_id, *_PERSON_COLUMNS[:3], done.npn, done.program_key, done.registration_key,
                        done.completed_at, done.lapsed_at, done.lapse_reason, Certificate.code,
                        Certificate.revoked_at)
                 .join(User, User.id == done.user_id)
                 .outerjoin(AgentProfile, AgentProfile.user_id == done.user_id)
                 .outerjoin(Certificate, and_(Certificate.user_id == done.user_id,
                                              Certificate.program_key == done.program_key,
                                              Certificate.registration_key == done.registration_key)))
        if "program" in filters:
            found = found.where(done.program_key == filters["program"])
        if "registration" in filters:
            found = found.where(done.registration_key == filters["registration"])
        if "status" in filters:
            lapsed = done.lapsed_at.is_not(None)
            found = found.where(lapsed if filters["status"] == "lapsed" else ~lapsed)
        if "user_id" in filters:
            found = found.where(done.user_id == filters["user_id"])
        return found

    def enrich(_session: Session, rows: list[Row]) -> None:
        for row in rows:
            row["lapse_reason"] = row["lapse_reason"] or None

    return Export("completions", "Registration completions", "Every registration an agent completed here, with its "
                  "certificate, oldest first.", fields, params, RegistrationCompletion.id, query, enrich)


# --- audit log ---------------------------------------------------------------------------------------------------

def _audit() -> Export:
    fields = (
        Field("entry_id", "integer", "The entry's id; entries only ever get added."),
        Field("at", "date-time", "When it happened."),
        Field("action", "string", "What happened (the event's name)."),
        Field("actor_id", "integer", "Who did it (an account id), if anyone.", nullable=True),
        Field("actor_email", "string", "The actor's email address, if the account still exists.", nullable=True),
        Field("subject_user_id", "integer", "Whose record it concerns.", nullable=True),
        Field("subject_email", "string", "Their email address, if the account still exists.", nullable=True),
        Field("details", "object", "What the event recorded: reasons, keys, old and new values."))
    params = (Param("action", "Only this kind of event.", choices=tuple(EVENTS)),
              Param("actor_id", "Only what this account did.", integer=True),
              Param("subject_user_id", "Only what concerns this account.", integer=True))
    actor, subject = aliased(User), aliased(User)

    def query(filters: dict[str, Any]) -> Select:
        found = (select(AuditEntry.id, AuditEntry.at, AuditEntry.action, AuditEntry.actor_id, actor.email,
                        AuditEntry.subject_user_id, subject.email, AuditEntry.details)
                 .outerjoin(actor, actor.id == AuditEntry.actor_id)
                 .outerjoin(subject, subject.id == AuditEntry.subject_user_id))
        if "action" in filters:
            found = found.where(AuditEntry.action == filters["action"])
        if "actor_id" in filters:
            found = found.where(AuditEntry.actor_id == filters["actor_id"])
        if "subject_user_id" in filters:
            found = found.where(AuditEntry.subject_user_id == filters["subject_user_id"])
        return found

    return Export("audit-log", "Audit log", "Every audited action, oldest first.", fields, params, AuditEntry.id,
                  query)
