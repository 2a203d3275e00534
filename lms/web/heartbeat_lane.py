"""Heartbeats that Flask would certainly accept, answered before Flask's request machinery.

A heartbeat is most of what a server does for agents (one a minute from every open module page,
about three in five requests of the capacity mix), and Flask's per-request work (request context,
Flask-Login, Flask-WTF's form parsing, routing, hooks) was over half of what one cost. The lane
answers only a heartbeat whose every check certainly passes, with the same functions the view uses
(the session cookie's quick signature check, the CSRF token's, the identity query, the seat note,
the service); anything else (no or bad cookie, a token to look at more closely, a track with
conditions, a NUL, an untrusted Host, HTTPS without a same-origin referrer, a body too big, an
error) goes to Flask untouched, so what is refused, and how, stays Flask's decision.
`tests/web/test_heartbeat_lane.py` sends each case both ways and compares the responses and the
database.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable
from hashlib import sha512
from io import BytesIO
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from flask_login import utils as login_utils
from flask_wtf.csrf import same_origin
from werkzeug.exceptions import SecurityError
from werkzeug.http import parse_cookie
from werkzeug.wsgi import get_host

from lms.extensions import CATALOG, CLOCK, DATABASE, DELIVERY
from lms.services import player, progress, sessions, tokens
from lms.web import signing
from lms.web.security import SESSION_KEY

# A heartbeat's body is its seat note and perhaps its CSRF token (under 300 bytes); more goes to Flask.
MAX_BODY = 2048
_FORM = "application/x-www-form-urlencoded"
_ANSWER = ("204 NO CONTENT", [("Content-Type", "text/html; charset=utf-8"), ("Vary", "Cookie"),
                              ("Cache-Control", "no-store")])
# Keys that make Flask write a cookie after the request (Flask-Login's remember-me, a permanent session
# refreshed on each request): a session with one goes to Flask.
_COOKIE_AFTER_REQUEST = ("_remember", "_permanent")
_USER_ID = "_user_id"  # where Flask-Login keeps the signed-in account
_log = logging.getLogger(__name__)


class HeartbeatLane:
    """WSGI middleware in front of Flask's own `wsgi_app`, behind any ProxyFix (so it sees the client
    address and scheme Flask would)."""

    def __init__(self, app: Flask, flask_wsgi: Callable[..., Any]):
        self.app = app
        self.flask_wsgi = flask_wsgi

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "POST" or not path.endswith("/heartbeat") or not path.startswith("/learn/"):
            return self.flask_wsgi(environ, start_response)
        body = _read_body(environ, min(MAX_BODY, self.app.config.get("MAX_CONTENT_LENGTH") or MAX_BODY))
        if body is not None:
            try:
                if self._beat(environ, path, body):
                    start_response(_ANSWER[0], list(_ANSWER[1]))
                    return [b""]
            except Exception:  # noqa: BLE001 - Flask handles the request afresh: its error page, its log
                # Counting again is harmless: seat time is counted from where it was last counted.
                _log.warning("the heartbeat lane failed; Flask answers the request instead", exc_info=True)
            environ["wsgi.input"] = BytesIO(body)  # Flask reads the body the lane read
        return self.flask_wsgi(environ, start_response)

    def _beat(self, environ: dict[str, Any], path: str, body: bytes) -> bool:
        """Count the heartbeat and return True when Flask would certainly have done the same."""
        config = self.app.config
        if (config.get("LOGIN_DISABLED") or not config.get("WTF_CSRF_ENABLED", True)
                or not config.get("WTF_CSRF_CHECK_DEFAULT", True) or "POST" not in config["WTF_CSRF_METHODS"]):
            return False
        module_key = _open_module_key(self.app, path)
        if module_key is None:
            return False
        form = _form(body, int(environ["CONTENT_LENGTH"]))
        if form is None:
            return False
        session = self._session(environ)
        if session is None or not _same_client(self.app, environ, session):
            return False
        try:  # Flask refuses a Host it does not trust (TRUSTED_HOSTS) on every request, whatever it holds
            host = get_host(environ, config.get("TRUSTED_HOSTS"))
        except SecurityError:
            return False
        token = _csrf_token(environ, form, config)
        secret = config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key
        if (token is None or not signing.token_matches(session.get(signing.CSRF_FIELD), token, secret,
                                                        config.get("WTF_CSRF_TIME_LIMIT", 3600))
                or not _referrer_allowed(environ, host, config)):
            return False
        delivery = self.app.extensions.get(DELIVERY)
        if delivery is not None:  # as Flask's before-request hook does (see create_app)
            delivery.ensure_started()
        work = self.app.extensions[DATABASE].unit_of_work()
        try:
            identity = sessions.identity_for(work, session[_USER_ID], session.get(SESSION_KEY))
            if identity is None:
                return False
            opened_at = tokens.page_opened_at(config["SECRET_KEY"], form.get("opened", ""), identity.id, module_key)
            progress.heartbeat(work, identity.id, module_key, opened_at, self.app.extensions[CLOCK].now())
        finally:
            work.close()
        return True

    def _session(self, environ: dict[str, Any]) -> dict[str, Any] | None:
        """The session cookie's contents when its signature is certainly good and it is signed in."""
        interface = self.app.session_interface
        if not isinstance(interface, signing.SessionCookies):
            return None
        cookie = parse_cookie(environ).get(self.app.config["SESSION_COOKIE_NAME"])
        opened = interface.open_certainly_good(self.app, cookie) if cookie else None
        if (opened is None or not isinstance(opened.get(_USER_ID), str)
                or any(opened.get(key) for key in _COOKIE_AFTER_REQUEST)):
            return None
        return opened


def _read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The whole body of a small form post, or None (the lane passes; nothing has been read)."""
    length = environ.get("CONTENT_LENGTH", "")
    if not length.isdigit() or int(length) > limit or environ.get("HTTP_TRANSFER_ENCODING"):
        return None
    mimetype = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    if mimetype != _FORM:
        return None
    return environ["wsgi.input"].read(int(length))


def _form(body: bytes, length: int) -> dict[str, str] | None:
    """The form's fields (the first of repeated ones, as Flask's `form.get`), or None when the body is
    cut short or a field could hold something Flask refuses (a NUL) or reads otherwise (not ASCII)."""
    if len(body) != length or b"\x00" in body or b"%00" in body:
        return None
    try:
        text = body.decode("ascii")
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return None
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    return form


def _open_module_key(app: Flask, path: str) -> str | None:
    """The module's key when the path names a module of a track open to every agent (no conditions, not
    only for returning agents), as the view's `_open_module` finds it; else None."""
    parts = path.split("/")
    if len(parts) != 6 or not path.isascii() or not all(parts[2:5]):
        return None
    catalog = app.extensions[CATALOG].catalog
    track = catalog.tracks.get(f"{parts[2]}/{parts[3]}")
    module = catalog.modules.get(f"{parts[2]}/{parts[3]}/{parts[4]}")
    if track is None or module is None or not player.open_to_everyone(track):
        return None
    return module.key


def _same_client(app: Flask, environ: dict[str, Any], session: dict[str, Any]) -> bool:
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


def _csrf_token(environ: dict[str, Any], form: dict[str, str], config: Any) -> str | None:
    """The token where Flask-WTF looks: the form field, then its headers; None when it would look
    further (a prefixed field) or finds none."""
    field = config["WTF_CSRF_FIELD_NAME"]
    if form.get(field):
        return form[field]
    if any(name.endswith(field) for name in form):
        return None
    for header in config["WTF_CSRF_HEADERS"]:
        found = environ.get("HTTP_" + header.upper().replace("-", "_"))
        if found:
            return found
    return None


def _referrer_allowed(environ: dict[str, Any], host: str, config: Any) -> bool:
    """Over HTTPS, Flask-WTF also wants a same-origin referrer (WTF_CSRF_SSL_STRICT)."""
    if environ.get("wsgi.url_scheme") != "https" or not config["WTF_CSRF_SSL_STRICT"]:
        return True
    referrer = environ.get("HTTP_REFERER")
    return bool(referrer) and same_origin(referrer, f"https://{host}/")

