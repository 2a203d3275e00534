"""The session cookie and the CSRF token, signed with keys derived once per secret key.

Flask makes the session cookie's serializer, and Flask-WTF the CSRF token's, afresh on every request
(with its configuration lookups, about half of what signing or checking one costs), and itsdangerous
derives the key again on every call. Here the serializer and the keys are made once for each secret
key and reused; a changed key gets new ones. The formats are Flask's and Flask-WTF's, unchanged:
cookies signed before still open, and Flask-WTF's own check accepts the tokens. A cookie the quick
check does not certainly accept (an old key, an expired one, a forgery) goes through Flask's own
code, so what opens and what does not is Flask's decision; likewise a CSRF token the quick check
does not certainly accept goes to Flask-WTF's own check. A response that leaves the session as it
was skips Flask's save step, which reads seven cookie settings before finding nothing to do.

An agent's browser sends the same session cookie with every request until something in the session
changes, so a worker remembers the cookies it has found good (by a digest of the exact text, with
the time it was signed): the next request with that cookie skips the HMAC, the base64 and the
JSON, and checks only its age. Only sessions of plain values (text, numbers, booleans) are
remembered, and each request gets its own copy, so a request changing its session changes nobody
else's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import time
from typing import Any

from flask import Flask, Request, Response, current_app, g, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer

from lms.services.recent import Recent
from lms.signatures import TimestampSigning, signing_for

CSRF_FIELD = "csrf_token"  # Flask-WTF's default field name, in the session and in forms
_CSRF_SALT = "wtf-csrf-token"  # what Flask-WTF signs its tokens with
# Cookies a worker remembers having opened, about 0.8 kB each (a digest of the cookie and its values): with
# every worker seeing some of each agent's requests, as many as the agents active at once (13 MB when full).
OPENED_COOKIES = 16_384
_PLAIN = (str, int, float, bool, type(None))  # values a session can share without a copy of its own


class SessionCookies(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._made: tuple[tuple, URLSafeTimedSerializer | None, TimestampSigning | None] | None = None
        # cookie's digest -> (when it was signed, the session's values), for cookies signed with the current keys
        self._opened: Recent[bytes, tuple[int, dict[str, Any]]] = Recent(size=OPENED_COOKIES)

    def _for(self, app: Flask) -> tuple[tuple, URLSafeTimedSerializer | None, TimestampSigning | None]:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made = self._made
        if made is None or made[0] != keys:
            signing = signing_for(app.secret_key, self.salt, self.key_derivation) if app.secret_key else None
            self._opened = Recent(size=OPENED_COOKIES)  # what the old keys opened is not the new keys' to open
            made = self._made = (keys, super().get_signing_serializer(app), signing)
        return made

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        return self._for(app)[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        cookie = request.cookies.get(self.get_cookie_name(app))
        opened = self.open_certainly_good(app, cookie) if cookie else None
        return opened if opened is not None else super().open_session(app, request)

    def open_certainly_good(self, app: Flask, cookie: str) -> SecureCookieSession | None:
        """The session in a cookie signed with the current key and young enough; None means only "not
        certainly" (Flask's own code decides then)."""
        signing = self._for(app)[2]
        if signing is None:
            return None
        max_age = int(app.permanent_session_lifetime.total_seconds())
        # Known by a digest of its text: the cookie itself is three times the size, and a worker keeps thousands.
        known_as = hashlib.blake2b(cookie.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        seen = self._opened.get(known_as)
        if seen is not None:
            age = int(time.time()) - seen[0]  # as `TimestampSigning.unsign` counts it
            return self.session_class(seen[1]) if 0 <= age <= max_age else None
        found = signing.loads_text_signed_at(cookie, max_age)
        if found is None:
            return None
        try:
            values = json.loads(found[0])
            # Flask's tags are dicts: values that are all plain carry none, nor does a session of other
            # than one key (a tagged session is `{" di": {...}}`); anything else goes through its untagging.
            plain = isinstance(values, dict) and all(type(value) in _PLAIN for value in values.values())
            if not plain or len(values) == 1 or type(self.serializer) is not TaggedJSONSerializer:
                values = self.serializer.loads(found[0])
                plain = isinstance(values, dict) and all(type(value) in _PLAIN for value in values.values())
        except Exception:  # noqa: BLE001 - a well-signed cookie that does not parse: Flask decides
            return None
        if not isinstance(values, dict):
            return None
        if plain:
            # Each session made from it copies it; the keys are the same few names in every session.
            self._opened.put(known_as, (found[1], {sys.intern(key): value for key, value in values.items()}))
        return self.session_class(values)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # Most responses leave the cookie as it was; Flask would still read seven cookie settings first.
        if not self.should_set_cookie(app, session):
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def csrf_token() -> str:
    """This session's signed CSRF token, as Flask-WTF's `generate_csrf` makes it (one per request)."""
    context = g._get_current_object()  # each context lookup costs about a microsecond: one each
    signed = context.get(CSRF_FIELD)
    if signed is not None:
        return signed
    raw = session.get(CSRF_FIELD)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    if not isinstance(raw, str) or not secret:
        return generate_csrf()  # a session without a token yet (Flask-WTF makes one), or no key (it says so)
    signed = signed_csrf_token(raw, secret)
    setattr(context, CSRF_FIELD, signed)
    return signed


def signed_csrf_token(raw: str, secret: str | bytes) -> str:
    """The token for a session's raw token `raw`, as `csrf_token` makes it, outside a request context."""
    # Flask-WTF's tokens are 40 random hex digits, which zlib does not shorten; its check reads either form.
    return signing_for(secret, _CSRF_SALT).dumps(raw, compress=False)


def csrf_token_certainly_good(token: str | None) -> bool:
    """True when the token is this session's, signed with the current key and young enough, as
    Flask-WTF's `validate_csrf` would find it. False means only "not certainly": Flask-WTF decides then
    (an old key among the fallbacks, no time limit set, or a bad token it names in its error)."""
    config = current_app.config
    return token_matches(session.get(CSRF_FIELD), token, config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key,
                         config.get("WTF_CSRF_TIME_LIMIT", 3600))


def token_matches(raw: Any, token: str | None, secret: Any, max_age: Any) -> bool:
    """`csrf_token_certainly_good` for a session's raw token `raw`, outside a request context."""
    if not token or not isinstance(raw, str) or not secret or not isinstance(max_age, int):
        return False
    text = signing_for(secret, _CSRF_SALT).loads_text(token, max_age)
    if text is None:
        return False
    try:
        signed = json.loads(text)
    except ValueError:
        return False
    return isinstance(signed, str) and hmac.compare_digest(raw.encode(), signed.encode())


def init_app(app: Flask) -> None:
    """After Flask-WTF's own init_app: templates get this `csrf_token` in place of its generate_csrf."""
    app.session_interface = SessionCookies()
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
