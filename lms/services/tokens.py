"""Signed, expiring links sent by email (confirming an address, resetting a password), and the notes
a page carries for the requests it sends back (when a module page was opened, an attempt's layout).

Tokens are made when the email is sent or the page rendered (never stored), and each names what it
is for (its salt), so a token made for one purpose never works for another.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from lms.models import User
from lms.services.errors import RuleError
from lms.services.layout import SEED_BITS
from lms.signatures import signing_for

RESET_MAX_AGE = 3600  # one hour
CONFIRM_MAX_AGE = 3 * 24 * 3600  # three days
_RESET, _CONFIRM = "lms.password-reset", "lms.confirm-email"


def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def password_fingerprint(user: User) -> str:
    # Part of a reset token: once the password changes, every earlier reset link stops working.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User, secret_key: str) -> str:
    return _serializer(secret_key, _RESET).dumps({"user": user.id, "fp": password_fingerprint(user)})


def confirmation_token(user: User, secret_key: str) -> str:
    return _serializer(secret_key, _CONFIRM).dumps({"user": user.id, "email": user.email})


def _read(token: str, secret_key: str, salt: str, max_age: int, what: str) -> dict[str, Any]:
    try:
        data = _serializer(secret_key, salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise RuleError(f"This {what} link has expired. Ask for a new one.") from None
    except BadSignature:
        raise RuleError(f"This {what} link is not valid. Check that you copied all of it, or ask for a new one.") \
            from None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        raise RuleError(f"This {what} link is not valid. Ask for a new one.")
    return data


def read_reset_token(token: str, secret_key: str) -> dict[str, Any]:
    return _read(token, secret_key, _RESET, RESET_MAX_AGE, "reset")


def read_confirmation_token(token: str, secret_key: str) -> dict[str, Any]:
    return _read(token, secret_key, _CONFIRM, CONFIRM_MAX_AGE, "confirmation")


# --- seat time -----------------------------------------------------------------------------------
# A module page carries a signed note of when it was opened, for this agent and this module. Time is
# counted from it (or from when time was last counted, whichever is later), so a replayed or forged
# note adds nothing that did not really pass.
SEAT_MAX_AGE = 12 * 3600
_SEAT = "lms.seat-time"


def seat_token(secret_key: str, user_id: int, module_key: str) -> str:
    return signing_for(secret_key, _SEAT).sign(f"{user_id}:{module_key}".encode()).decode()


def page_opened_at(secret_key: str, token: str, user_id: int, module_key: str) -> dt.datetime | None:
    """When the agent opened the module page, or None for a token that is not theirs, not valid or too old."""
    found = signing_for(secret_key, _SEAT).unsign(token.encode("ascii", "ignore"), SEAT_MAX_AGE)
    if found is not None:
        value, stamp = found
        signed_at = dt.datetime.fromtimestamp(stamp, dt.UTC)
    else:
        try:  # not certainly valid: itsdangerous decides, as it always has
            value, signed_at = TimestampSigner(secret_key, salt=_SEAT).unsign(token, max_age=SEAT_MAX_AGE,
                                                                              return_timestamp=True)
        except BadSignature:  # SignatureExpired included
            return None
    return signed_at if value == f"{user_id}:{module_key}".encode() else None


# --- the attempt's layout --------------------------------------------------------------------------
# The attempt page's form carries its attempt's exam version and seed, so that a submission can be
# scored without first reading the attempt (on PostgreSQL a round trip fewer). The seed decides which
# file position each option token stands for, so the page must not show it: it goes masked with a key
# only the server knows, one mask per attempt (whose seed never changes), which hides it as a one-time
# pad does. Nothing is trusted because of the note: the score's write matches only the attempt with
# that version and seed, so a changed or someone else's note writes nothing, and the submission is then
# read and scored as it always was.
LAYOUT_NOTE_FIELD = "layout_note"  # the form field that carries it
_LAYOUT = b"lms.layout-note"
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class LayoutNote:
    """The exam version and seed an attempt page says its attempt has."""

    content_hash: str
    seed: int


@functools.lru_cache(maxsize=4)
def _layout_key(secret_key: str) -> bytes:
    return hmac.digest(secret_key.encode(), _LAYOUT, "sha256")


def _mask(secret_key: str, attempt_id: int) -> int:
    return int.from_bytes(hmac.digest(_layout_key(secret_key), b"%d" % attempt_id, "sha256")[:8], "big")


def layout_note(secret_key: str, attempt_id: int, content_hash: str, seed: int) -> str:
    return f"{seed ^ _mask(secret_key, attempt_id):016x}.{content_hash}"


def read_layout_note(secret_key: str, note: str, attempt_id: int) -> LayoutNote | None:
    """What the note of attempt `attempt_id`'s page says, or None when it is not such a note."""
    masked, dot, content_hash = note.partition(".")
    if not dot or len(masked) != 16 or not 0 < len(content_hash) <= 64 or not _HEX.issuperset(masked + content_hash):
        return None
    seed = int(masked, 16) ^ _mask(secret_key, attempt_id)
    return LayoutNote(content_hash, seed) if seed < 1 << SEED_BITS else None
