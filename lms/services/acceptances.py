"""What agents accepted: each acceptance with the text exactly as shown and its SHA-256 (reading only)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from lms.content import Agreement
from lms.models import AgreementAcceptance
from lms.services.errors import NotFound
from lms.services.shared_reads import remembered


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def same_name(typed: str, legal: str) -> bool:
    """Names match ignoring case and extra spaces: " ana  RUIZ" is "Ana Ruiz"."""
    def plain(name: str) -> str:
        return re.sub(r"\s+", " ", name).strip().casefold()

    return bool(plain(typed)) and plain(typed) == plain(legal)


@dataclass(frozen=True)
class AgreementState:
    agreement: Agreement
    accepted: AgreementAcceptance | None  # of the current version
    earlier: AgreementAcceptance | None  # the latest of an earlier version, when the current one is not accepted

    @property
    def needs_acceptance(self) -> bool:
        return self.accepted is None


# Built once: the tracker and every page of a track that unlocks with an agreement or a registration ask.
_LATEST = (select(AgreementAcceptance).where(AgreementAcceptance.user_id == bindparam("who"),
                                             AgreementAcceptance.agreement_key == bindparam("agreement"))
           .order_by(AgreementAcceptance.accepted_at.desc(), AgreementAcceptance.id.desc()).limit(1))


def latest(session: Session, user_id: int, agreement_key: str) -> AgreementAcceptance | None:
    return session.scalar(_LATEST, {"who": user_id, "agreement": agreement_key})


@remembered
def state(session: Session, user_id: int, agreement: Agreement) -> AgreementState:
    found = latest(session, user_id, agreement.key)
    if found is not None and found.version == agreement.version:
        return AgreementState(agreement, found, None)
    return AgreementState(agreement, None, found)


def acceptances_of(session: Session, user_id: int) -> list[AgreementAcceptance]:
    query = (select(AgreementAcceptance).where(AgreementAcceptance.user_id == user_id)
             .order_by(AgreementAcceptance.accepted_at.desc(), AgreementAcceptance.id.desc()))
    return list(session.scalars(query))


def acceptance_of(session: Session, user_id: int, acceptance_id: int) -> AgreementAcceptance:
    found = session.get(AgreementAcceptance, acceptance_id)
    if found is None or found.user_id != user_id:
        raise NotFound("There is no such acceptance.")
    return found


def verified(acceptance: AgreementAcceptance) -> bool:
    """The stored text is exactly the text that was accepted."""
    return sha256(acceptance.text_html) == acceptance.text_sha256
