"""Registration Completion Certificates: issued once per agent, program and registration; publicly verifiable."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import events
from lms.db import UnitOfWork
from lms.models import AgentProfile, Certificate, RegistrationCompletion, User
from lms.services.errors import NotFound, RuleError

# Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper is not mistaken.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def new_code() -> str:
    """60 random bits in three groups, such as 7K2Q-M9XD-4TRB."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(raw: str) -> str | None:
    """The code as printed, from what someone typed (any case, spaces or dashes); None if it cannot be one."""
    cleaned = re.sub(r"[\s-]", "", (raw or "").upper()).replace("O", "0").replace("I", "1").replace("L", "1")
    code = f"{cleaned[:4]}-{cleaned[4:8]}-{cleaned[8:]}"
    return code if len(cleaned) == 12 and CODE.match(code) else None


def issue(session: Session, user_id: int, program_key: str, registration_key: str, now: dt.datetime) -> Certificate:
    """The agent's certificate for this registration, made the first time (safe under concurrent calls)."""
    query = select(Certificate).where(Certificate.user_id == user_id, Certificate.program_key == program_key,
                                      Certificate.registration_key == registration_key)
    found = session.scalar(query)
    if found is not None:
        return found
    certificate = Certificate(code=new_code(), user_id=user_id, program_key=program_key,
                              registration_key=registration_key, issued_at=now, revoked_reason="")
    try:
        with session.begin_nested():
            session.add(certificate)
    except IntegrityError:  # issued a moment ago by a parallel request
        found = session.scalar(query)
        assert found is not None
        return found
    events.emit(session, "certificate.issued", actor_id=user_id, subject_user_id=user_id, code=certificate.code,
                program=program_key, registration=registration_key)
    return certificate


@dataclass(frozen=True)
class Verification:
    """What /verify/<code> shows: valid, revoked, lapsed or unknown, with who and what for a real code."""

    status: str  # valid | revoked | lapsed | unknown
    certificate: Certificate | None = None
    name: str = ""
    npn: str = ""
    completion: RegistrationCompletion | None = None


def verify(session: Session, raw_code: str) -> Verification:
    code = normalise_code(raw_code)
    certificate = session.scalar(select(Certificate).where(Certificate.code == code)) if code else None
    if certificate is None:
        return Verification("unknown")
    profile = session.get(AgentProfile, certificate.user_id)
    completion = session.scalar(select(RegistrationCompletion).where(
        RegistrationCompletion.user_id == certificate.user_id,
        RegistrationCompletion.program_key == certificate.program_key,
        RegistrationCompletion.registration_key == certificate.registration_key))
    status = ("revoked" if certificate.revoked_at else
              "lapsed" if completion is None or completion.lapsed_at else "valid")
    return Verification(status, certificate, profile.full_name if profile else "",
                        (completion.npn or "") if completion else (profile.npn or "" if profile else ""), completion)


# Built once: the tracker asks on every view.
_ALL_OF = select(Certificate).where(Certificate.user_id == bindparam("who")).order_by(Certificate.issued_at)
_OF_PROGRAM = _ALL_OF.where(Certificate.program_key == bindparam("program"))


def for_user(session: Session, user_id: int, program_key: str | None = None) -> list[Certificate]:
    if program_key:
        return list(session.scalars(_OF_PROGRAM, {"who": user_id, "program": program_key}))
    return list(session.scalars(_ALL_OF, {"who": user_id}))


def mine(session: Session, user_id: int, code: str) -> Certificate:
    found = session.scalar(select(Certificate).where(Certificate.code == (normalise_code(code) or "")))
    if found is None or found.user_id != user_id:
        raise NotFound("There is no such certificate.")
    return found


def revoke(uow: UnitOfWork, code: str, admin_id: int, reason: str, now: dt.datetime) -> Certificate:
    """An admin withdraws a certificate, with a reason; the verification page then says revoked and when."""
    if not reason.strip():
        raise RuleError("Say why the certificate is revoked; the reason goes to the audit log.")
    with uow.write() as session:
        certificate = session.scalar(select(Certificate).where(Certificate.code == (normalise_code(code) or "")))
        if certificate is None:
            raise NotFound("There is no certificate with that code.")
        if certificate.revoked_at is not None:
            raise RuleError(f"Certificate {certificate.code} was already revoked on "
                            f"{certificate.revoked_at:%B %-d, %Y}.")
        certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by_id = now, reason.strip(), admin_id
        events.emit(session, "certificate.revoked", actor_id=admin_id, subject_user_id=certificate.user_id,
                    code=certificate.code, reason=reason.strip())
    return certificate


def holder(session: Session, certificate: Certificate) -> User | None:
    return session.get(User, certificate.user_id)
