"""The quick signer makes exactly what itsdangerous makes, and accepts only what itsdangerous accepts."""

from __future__ import annotations

import hashlib

import pytest
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from lms.signatures import TimestampSigning, signing_for

SECRET = "s" * 64
NOW = 1_790_000_000


def _library_signer(salt: str, key_derivation: str = "django-concat", secret: str = SECRET) -> TimestampSigner:
    signer = TimestampSigner(secret, salt=salt, key_derivation=key_derivation, digest_method=hashlib.sha1)
    signer.get_timestamp = lambda: NOW  # type: ignore[method-assign]
    return signer


def _library_serializer(salt: str, **kwargs) -> URLSafeTimedSerializer:
    serializer = URLSafeTimedSerializer(SECRET, salt=salt, **kwargs)
    serializer.signer = type("Fixed", (TimestampSigner,), {"get_timestamp": lambda _self: NOW})
    return serializer


@pytest.mark.parametrize("value", [b"12:py2022/marketplace/module", b"", b"a.b.c", "ünïcode".encode()])
def test_signatures_are_the_librarys_byte_for_byte(value):
    ours = TimestampSigning(SECRET, "lms.seat-time")
    assert ours.sign(value, NOW) == _library_signer("lms.seat-time").sign(value)
    assert ours.unsign(ours.sign(value, NOW), max_age=60, now=NOW + 5) == ((value, NOW) if value else None)


def test_hmac_key_derivation_matches_flasks_session_cookie():
    ours = TimestampSigning(SECRET, "cookie-session", key_derivation="hmac")
    assert ours.sign(b"payload", NOW) == _library_signer("cookie-session", "hmac").sign(b"payload")
    assert ours.sign(b"payload", NOW) != TimestampSigning(SECRET, "cookie-session").sign(b"payload", NOW)


@pytest.mark.parametrize("obj", ["0123456789abcdef" * 2 + "01234567", "a" * 200, {"user": 4, "fp": "é"}])
def test_serialized_tokens_are_the_librarys_compressed_or_not(obj):
    ours = TimestampSigning(SECRET, "wtf-csrf-token").dumps(obj, NOW)
    assert ours == _library_serializer("wtf-csrf-token").dumps(obj)
    if obj == "a" * 200:
        assert ours.startswith(".")  # long and repetitive: compressed, as the library does
    library = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token")
    assert library.loads(ours) == obj
    plain = TimestampSigning(SECRET, "wtf-csrf-token").dumps(obj, NOW, compress=False)
    assert library.loads(plain) == obj and not plain.startswith(".")


def test_a_library_token_reads_back_to_its_json():
    serializer = URLSafeTimedSerializer(SECRET, salt="cookie-session", serializer=TaggedJSONSerializer(),
                                        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})
    cookie = serializer.dumps({"_user_id": "7:1", "_fresh": True, "csrf_token": "c" * 40})
    text = TimestampSigning(SECRET, "cookie-session", key_derivation="hmac").loads_text(cookie, max_age=60)
    assert text is not None and TaggedJSONSerializer().loads(text) == serializer.loads(cookie)


def test_anything_not_certainly_valid_is_left_to_the_library():
    ours = TimestampSigning(SECRET, "lms.seat-time")
    token = ours.sign(b"12:module", NOW)
    value, stamp, signature = token.split(b".")
    refused = {
        "tampered value": b"13:module." + stamp + b"." + signature,
        "tampered signature": value + b"." + stamp + b"." + signature[:-1] + (b"A" if signature[-1:] != b"A" else b"B"),
        "no signature": value + b"." + stamp,
        "other key": TimestampSigning("t" * 64, "lms.seat-time").sign(b"12:module", NOW),
        "other salt": TimestampSigning(SECRET, "lms.other").sign(b"12:module", NOW),
        "padded signature (the library accepts it)": token + b"=",
    }
    for why, candidate in refused.items():
        assert ours.unsign(candidate, max_age=60, now=NOW) is None, why
    assert ours.unsign(token, max_age=60, now=NOW + 61) is None  # expired
    assert ours.unsign(token, max_age=60, now=NOW - 1) is None  # from the future
    assert ours.unsign(token, max_age=60, now=NOW + 60) == (b"12:module", NOW)
    with pytest.raises(BadSignature):
        _library_signer("lms.seat-time").unsign(refused["tampered value"])


def test_a_broken_payload_under_a_good_signature_is_left_to_the_library():
    ours = TimestampSigning(SECRET, "cookie-session")
    assert ours.loads_text(ours.sign(b".not-zlib", NOW), max_age=60, now=NOW) is None
    assert ours.loads_text(ours.sign(b"_w", NOW), max_age=60, now=NOW) is None  # base64 of a byte that is not UTF-8


def test_one_signing_per_key_and_salt_and_a_new_key_gets_its_own():
    first = signing_for(SECRET, "lms.seat-time")
    assert signing_for(SECRET, "lms.seat-time") is first
    assert signing_for("t" * 64, "lms.seat-time").sign(b"v", NOW) != first.sign(b"v", NOW)
    assert signing_for(SECRET, "lms.other").sign(b"v", NOW) != first.sign(b"v", NOW)
