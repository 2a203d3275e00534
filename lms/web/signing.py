"""The session cookie and the CSRF token, signed by serializers made once per secret key.

Flask makes the session cookie's serializer, and Flask-WTF the CSRF token's, afresh on every request
(with its configuration lookups, about half of what signing or checking one costs). These are made
once for each secret key and reused; a changed key gets new ones. The formats are Flask's and
Flask-WTF's, unchanged: cookies signed before still open, and Flask-WTF's own check accepts the tokens.
"""

from __future__ import annotations

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer

CSRF_FIELD = "csrf_token"  # Flask-WTF's default field name, in the session and in forms
_CSRF_SALT = "wtf-csrf-token"  # what Flask-WTF signs its tokens with


class SessionCookies(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._made: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made = self._made
        if made is None or made[0] != keys:
            made = self._made = (keys, super().get_signing_serializer(app))
        return made[1]


_csrf_serializers: dict[str | bytes, URLSafeTimedSerializer] = {}


def csrf_token() -> str:
    """This session's signed CSRF token, as Flask-WTF's `generate_csrf` makes it (one per request)."""
    signed = g.get(CSRF_FIELD)
    if signed is not None:
        return signed
    raw = session.get(CSRF_FIELD)
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    if not isinstance(raw, str) or not secret:
        return generate_csrf()  # a session without a token yet (Flask-WTF makes one), or no key (it says so)
    serializer = _csrf_serializers.get(secret)
    if serializer is None:
        serializer = _csrf_serializers[secret] = URLSafeTimedSerializer(secret, salt=_CSRF_SALT)
    signed = serializer.dumps(raw)
    setattr(g, CSRF_FIELD, signed)
    return signed


def init_app(app: Flask) -> None:
    """After Flask-WTF's own init_app: templates get this `csrf_token` in place of its generate_csrf."""
    app.session_interface = SessionCookies()
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
