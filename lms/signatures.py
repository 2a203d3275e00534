"""Timestamped HMAC signatures in itsdangerous's formats, without its setup on every call.

Every signed-in request opens the session cookie, and every module page signs a CSRF token and a
seat-time note. itsdangerous derives the key, builds a signer and an HMAC object on each call, which
cost more than the HMAC itself. Here the key is derived once (by itsdangerous, so the derivation is
its own) and each signature is one call to the C HMAC.

What this makes is byte for byte what itsdangerous makes (tests compare them), so tokens and cookies
made either way are interchangeable. Checking is strict the other way: `unsign` returns only what it
finds certainly valid, and None for anything else (a bad signature, an unusual but legal encoding, an
old key, an expired or future timestamp); callers then ask itsdangerous itself, so what is accepted
and what is refused, and why, stays exactly as it was.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import zlib

from itsdangerous import Signer

_SEP = b"."
# itsdangerous's compact JSON; `json.dumps` with any option set builds a new encoder on every call.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _b64encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _b64decode(data: bytes) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return None


class TimestampSigning:
    """itsdangerous's `TimestampSigner` (SHA-1 HMAC) for one secret key and salt."""

    def __init__(self, secret_key: str | bytes, salt: str | bytes, *, key_derivation: str = "django-concat"):
        self._key = Signer(secret_key, salt=salt, key_derivation=key_derivation,
                           digest_method=hashlib.sha1).derive_key()

    def _signature(self, value: bytes) -> bytes:
        return _b64encode(hmac.digest(self._key, value, "sha1"))

    def sign(self, value: bytes, now: int | None = None) -> bytes:
        stamp = int(time.time()) if now is None else now
        value = value + _SEP + _b64encode(stamp.to_bytes(8, "big").lstrip(b"\x00"))
        return value + _SEP + self._signature(value)

    def unsign(self, signed: bytes, max_age: int, now: int | None = None) -> tuple[bytes, int] | None:
        """(value, signing time) when the signature is this key's and not older than `max_age`, else None."""
        signed_part, _, signature = signed.rpartition(_SEP)
        if not signed_part or not hmac.compare_digest(signature, self._signature(signed_part)):
            return None
        value, _, stamp_text = signed_part.rpartition(_SEP)
        stamp_bytes = _b64decode(stamp_text)
        if not value or stamp_bytes is None or len(stamp_bytes) > 8:
            return None
        stamp = int.from_bytes(stamp_bytes, "big")
        age = (int(time.time()) if now is None else now) - stamp
        return (value, stamp) if 0 <= age <= max_age else None

    # URLSafeTimedSerializer's payload: JSON, zlib-compressed when that is shorter, then base64.
    def dumps(self, obj: object, now: int | None = None, *, compress: bool = True) -> str:
        """`compress=False` skips trying zlib (tens of microseconds for a few bytes): itsdangerous reads
        either form, but only with compression is the token byte for byte the one it would make."""
        data = _JSON.encode(obj).encode()
        compressed = zlib.compress(data) if compress else data
        payload = _SEP + _b64encode(compressed) if len(compressed) < len(data) - 1 else _b64encode(data)
        return self.sign(payload, now).decode("ascii")

    def loads_text(self, token: str | bytes, max_age: int, now: int | None = None) -> str | None:
        """The JSON text a serialized token carries, when its signature and age are certainly good."""
        found = self.loads_text_signed_at(token, max_age, now)
        return found[0] if found is not None else None

    def loads_text_signed_at(self, token: str | bytes, max_age: int,
                             now: int | None = None) -> tuple[str, int] | None:
        """`loads_text`, with the time the token was signed."""
        raw = token.encode("ascii", "ignore") if isinstance(token, str) else token
        found = self.unsign(raw, max_age, now)
        if found is None:
            return None
        payload, stamp = found
        compressed = payload.startswith(_SEP)
        data = _b64decode(payload[1:] if compressed else payload)
        if data is None:
            return None
        try:
            return (zlib.decompress(data) if compressed else data).decode("utf-8"), stamp
        except (zlib.error, UnicodeDecodeError):
            return None


_made: dict[tuple[str | bytes, str, str], TimestampSigning] = {}


def signing_for(secret_key: str | bytes, salt: str, key_derivation: str = "django-concat") -> TimestampSigning:
    """The signing for this key and salt, made once: deriving the key is what is worth not repeating."""
    made = _made.get((secret_key, salt, key_derivation))
    if made is None:
        made = _made[(secret_key, salt, key_derivation)] = TimestampSigning(secret_key, salt,
                                                                            key_derivation=key_derivation)
    return made
