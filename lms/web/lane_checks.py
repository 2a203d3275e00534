"""The checks Flask would make of a small form post, made without a request context: what the post
lane (`post_lane.py`) needs to know that Flask would let the post reach its view unchanged.

Each says yes only where Flask certainly would; anything it is unsure of is a no, and the request
goes to Flask.
"""

from __future__ import annotations

import hmac
from hashlib import sha512
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from flask_login import utils as login_utils
from flask_wtf.csrf import same_origin

_FORM = "application/x-www-form-urlencoded"


def read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The whole body of a small form post, or None (the lane passes; nothing has been read)."""
    length = environ.get("CONTENT_LENGTH", "")
    if not length.isdigit() or int(length) > limit or environ.get("HTTP_TRANSFER_ENCODING"):
        return None
    mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    if mimetype != _FORM:
        return None
    return environ["wsgi.input"].read(int(length))


def form_fields(body: bytes, length: int, most_parts: int) -> dict[str, list[str]] | None:
    """The form's fields, each with every value sent, or None when the body is cut short, has as many
    fields as Flask allows or more, or a field could hold something Flask refuses (a NUL) or reads
    otherwise (not ASCII)."""
    if len(body) != length or b"\x00" in body or b"%00" in body:
        return None
    try:
        text = body.decode("ascii")
        if "%" in text or "+" in text:
            pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
        else:  # nothing to unquote (our forms' tokens and signed values): parse_qsl's splitting alone
            pairs = [(name, value) for name, _, value in (piece.partition("=") for piece in text.split("&") if piece)]
    except (UnicodeDecodeError, ValueError):
        return None
    if len(pairs) >= most_parts:
        return None
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return fields


def same_client(app: Flask, environ: dict[str, Any], session: dict[str, Any]) -> bool:
    """Flask-Login's session protection would leave the session as it is: off, or the same address and
    browser as at sign-in (its own identifier, computed as `flask_login.utils._create_identifier` does).
    Otherwise it marks the session, which Flask must then save."""
    manager = getattr(app, "login_manager", None)
    if manager is None:
        return False
    mode = app.config.get("SESSION_PROTECTION", manager.session_protection)
    if mode not in ("basic", "strong"):
        return True
    if manager._session_identifier_generator is not login_utils._create_identifier:
        return False
    return hmac.compare_digest(client_identifier(environ), str(session.get("_id", "")))


def client_identifier(environ: dict[str, Any]) -> str:
    """`flask_login.utils._create_identifier` for this request, without a request context: the first
    X-Forwarded-For address (or the peer's) and the User-Agent, as bytes' reprs, hashed."""
    user_agent = environ.get("HTTP_USER_AGENT")
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    first = address.encode("utf-8").split(b",")[0].strip() if address is not None else None
    agent = user_agent.encode("utf-8") if user_agent is not None else None
    return sha512(f"{first}|{agent}".encode()).hexdigest()


def csrf_token_sent(environ: dict[str, Any], fields: dict[str, list[str]], config: Any) -> str | None:
    """The token where Flask-WTF looks: the form field, then its headers; None when it would look
    further (a prefixed field) or finds none."""
    name = config["WTF_CSRF_FIELD_NAME"]
    sent = fields.get(name)
    if sent and sent[0]:
        return sent[0]
    if any(field.endswith(name) for field in fields):
        return None
    for header in config["WTF_CSRF_HEADERS"]:
        found = environ.get("HTTP_" + header.upper().replace("-", "_"))
        if found:
            return found
    return None


def referrer_allowed(environ: dict[str, Any], host: str, config: Any) -> bool:
    """Over HTTPS, Flask-WTF also wants a same-origin referrer (WTF_CSRF_SSL_STRICT)."""
    if environ.get("wsgi.url_scheme") != "https" or not config["WTF_CSRF_SSL_STRICT"]:
        return True
    referrer = environ.get("HTTP_REFERER")
    return bool(referrer) and same_origin(referrer, f"https://{host}/")
