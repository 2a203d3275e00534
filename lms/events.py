"""Domain events: what happened, recorded in the transaction that made it happen.

`emit` writes the audit entry and an outbox row together, so an event is never lost and never
announced for a change that rolled back. `lms.outbox` later delivers each outbox row to every
handler that wants it (email today; learning-record stores and the like later).
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import Connection, Select, String, Text, bindparam, cast, func, insert, literal, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import CTE

from lms.db import EMITTED_EVENTS, committed_events  # noqa: F401  (committed_events: what lms.outbox waits on)
from lms.driver_query import DriverWrite
from lms.models import AuditEntry, OutboxEvent
from lms.models.types import utcnow

# Every event the product emits, with what it means (docs/architecture.md lists the same).
EVENTS = {
    "account.created": "someone signed up, or an admin created an account",
    "account.sign_up_repeated": "someone tried to sign up with the address of an existing account",
    "account.confirmation_requested": "an unconfirmed account needs a new confirmation link",
    "account.confirmed": "an account holder confirmed their email address",
    "sessions.ended": "an account holder signed out of every browser and device",
    "password.reset_requested": "someone asked for a password reset link (for an account, or for none)",
    "profile.saved": "an agent saved their profile (the NPN was checked against the registry)",
    "identity.attested": "an admin confirmed an agent's identity proofing",
    "role.changed": "an account's role changed",
    "password.changed": "an account holder changed their password",
    "password.reset": "an account holder set a new password with a reset link",
    "program.current_set": "an admin chose the program agents work in",
    "module.completed": "an agent marked a module complete",
    "attempt.started": "an agent started an exam attempt",
    "attempt.scored": "an exam attempt was scored (submitted or timed out)",
    "attempt.granted": "an admin granted an extra attempt",
    "attempt.reset": "an admin reset an exam for an agent: the attempts stay for history and no longer count",
    "track.completed": "an agent finished a track: every module read, every exam passed",
    "profile.confirmed": "an agent confirmed their profile for a plan year",
    "agreement.accepted": "an agent accepted an agreement (its version and the SHA-256 of its text)",
    "registration.completed": "an agent completed a registration (Individual Marketplace, SHOP, ...)",
    "registration.lapsed": "a completed registration stopped holding (an NPN turned invalid, a new agreement)",
    "registration.restored": "a lapsed registration holds again",
    "certificate.issued": "a Registration Completion Certificate was issued",
    "certificate.revoked": "an admin revoked a certificate",
    "registration.reminder": "a reminder before Open Enrollment went to an agent whose registration is not complete",
    "registry.imported": "producer registry records were imported from CSV (the lms command or an admin upload)",
    "completions.imported": "completions of earlier plan years were imported from CSV",
    "hod.imported": "Help On Demand referral statistics were imported from CSV",
    "api_token.created": "an admin created a token for the read-only API (its name and prefix, never the secret)",
    "api_token.revoked": "an admin revoked an API token; requests carrying it are refused from then on",
}

def emit(target: Session | Connection, name: str, *, actor_id: int | None, subject_user_id: int | None = None,
         **data: Any) -> None:
    """Record the event in the write transaction of `target` (a session, or a connection of
    `UnitOfWork.write_rows`); once that commits, an in-process dispatcher is woken (`committed_events`)."""
    if name not in EVENTS:
        raise ValueError(f"unknown event {name!r}; add it to lms.events.EVENTS")
    # Two inserts on the transaction's driver connection: no ORM objects to flush on hot writes (a submission
    # emits one event), and the order against the session's pending rows cannot matter, since neither
    # table has foreign keys (the log outlives the rows it talks about).
    connection = target.connection() if isinstance(target, Session) else target
    payload = {"actor_id": actor_id, "subject_user_id": subject_user_id, **data}
    if connection.dialect.name == "postgresql":
        now = utcnow()
        _AUDIT_AND_OUTBOX.run(connection, {
            "at": now, "actor_id": actor_id, "subject_user_id": subject_user_id, "action": name, "details": data,
            "name": name, "payload": payload, "created_at": now, "fanned_out": False})
    else:
        _AUDIT.run(connection, {"action": name, "actor_id": actor_id, "subject_user_id": subject_user_id,
                                "details": data})
        _OUTBOX.run(connection, {"name": name, "payload": payload})
    connection.info[EMITTED_EVENTS] = True


_AUDIT = DriverWrite(insert(AuditEntry))
_OUTBOX = DriverWrite(insert(OutboxEvent))
# PostgreSQL takes both rows in one statement, the audit entry's insert as a data-modifying CTE: one
# round trip less on every write that records an event (a start, a score). SQLite has no round trips
# to save, and no inserts inside a WITH. The CTE's columns are all given: no Python-side default fills them.
_AUDIT_AND_OUTBOX = DriverWrite(insert(OutboxEvent).add_cte(insert(AuditEntry).values(
    at=bindparam("at"), actor_id=bindparam("actor_id"), subject_user_id=bindparam("subject_user_id"),
    action=bindparam("action"), details=bindparam("details")).cte("audit_entry")))


def inserted_with_event(inserted: CTE, name: str, **data: Any) -> Select:
    """PostgreSQL: a SELECT of the rows `inserted` (a CTE of an INSERT … RETURNING) that also records
    event `name` about them, as `emit` does, in the same statement (data-modifying CTEs always run):
    a round trip fewer where an event names the row a write has just made. `data` holds SQL
    expressions (a column of `inserted`, a typed bind parameter), in the order `emit` keeps; the
    statement binds `actor_id`, `subject_user_id` and `at`. Its caller marks the connection
    (`note_emitted`) once it has run."""
    if name not in EVENTS:
        raise ValueError(f"unknown event {name!r}; add it to lms.events.EVENTS")
    actor, subject = bindparam("actor_id", type_=AuditEntry.actor_id.type), bindparam(
        "subject_user_id", type_=AuditEntry.subject_user_id.type)
    at = bindparam("at", type_=AuditEntry.at.type)
    details = _json_text(data)
    payload = _json_text({"actor_id": actor, "subject_user_id": subject, **data})
    audit = insert(AuditEntry).from_select(
        ["at", "actor_id", "subject_user_id", "action", "details"],
        select(at, actor, subject, literal(name, String), details).select_from(inserted)).cte("audit_entry")
    outbox = insert(OutboxEvent).from_select(
        ["name", "payload", "created_at", "fanned_out"],
        select(literal(name, String), payload, at, literal(False)).select_from(inserted)).cte("outbox_event")
    return select(*inserted.c).add_cte(audit).add_cte(outbox)


def _json_text(values: dict[str, Any]) -> Any:
    """The JSON object's text, its keys in the order `JSONText` writes them (sorted), as `emit` stores it.
    The keys (names in the code) are written into the SQL: as parameters they took half of a score's."""
    if not all(key.isidentifier() for key in values):
        raise ValueError("an event's keys are names")
    pairs = itertools.chain.from_iterable((literal_column(f"'{key}'", String), values[key]) for key in sorted(values))
    return cast(func.json_build_object(*pairs), Text)


def note_emitted(connection: Connection) -> None:
    """`connection`'s transaction recorded an event by a statement of its own (`inserted_with_event`)."""
    connection.info[EMITTED_EVENTS] = True
