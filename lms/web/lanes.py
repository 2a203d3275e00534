"""What the two lanes in front of Flask share (`post_lane.py` for the hot posts, `page_lane.py` for the
kept module, exam and attempt pages): the answer they send, the session they may act for, the attempt a
path names, and their unit of work.

A lane answers a request only where Flask would certainly answer it the same way; each function here
says yes only then, and anything it is unsure of sends the request to Flask. The lanes run before
Flask's hooks: a hook added to the app must be accounted for here too (`tests/web/test_page_lane.py`
lists the hooks they know, and fails on a new one).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.http import parse_cookie
from werkzeug.wsgi import get_host

from lms.db import UnitOfWork
from lms.extensions import DATABASE, DELIVERY
from lms.web import signing
from lms.web.lane_checks import same_client
from lms.web.routing import MAX_ID

USER_ID = "_user_id"  # where Flask-Login keeps the signed-in account
# Keys that make Flask write a cookie after the request (Flask-Login's remember-me, a permanent session
# refreshed on each request): a session with one goes to Flask.
_COOKIE_AFTER_REQUEST = ("_remember", "_permanent")
# What every signed-in answer carries, as Flask's session (Vary) and the no-store hook add them.
SIGNED_IN_HEADERS = [("Vary", "Cookie"), ("Cache-Control", "no-store")]


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def html_page(body: bytes) -> Answer:
    """Flask's answer to a view that returned this page for a signed-in agent."""
    return Answer("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                             *SIGNED_IN_HEADERS], body)


def signed_in_session(app: Flask, environ: dict[str, Any]) -> dict[str, Any] | None:
    """The session cookie's contents when its signature is certainly good, it signs someone in (sign-in
    required), and Flask would not write it again: no remember-me, not permanent, the same browser as at
    sign-in (or Flask-Login marks it)."""
    config = app.config
    interface = app.session_interface
    if config.get("LOGIN_DISABLED") or config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST") \
            or not isinstance(interface, signing.SessionCookies):
        return None
    cookie = parse_cookie(environ).get(config["SESSION_COOKIE_NAME"])
    opened = interface.open_certainly_good(app, cookie) if cookie else None
    if (opened is None or not isinstance(opened.get(USER_ID), str)
            or any(opened.get(key) for key in _COOKIE_AFTER_REQUEST)):
        return None
    return opened if same_client(app, environ, opened) else None


def trusted_host(app: Flask, environ: dict[str, Any]) -> str | None:
    """The request's host, or None where Flask refuses it (not among TRUSTED_HOSTS) on every request."""
    try:
        return get_host(environ, app.config.get("TRUSTED_HOSTS"))
    except SecurityError:
        return None


@contextlib.contextmanager
def unit_of_work(app: Flask) -> Iterator[UnitOfWork]:
    delivery = app.extensions.get(DELIVERY)
    if delivery is not None:  # as Flask's before-request hook does (see create_app)
        delivery.ensure_started()
    work = app.extensions[DATABASE].unit_of_work()
    try:
        yield work
    finally:
        work.close()


def attempt_id_in(path: str, action: str = "") -> int | None:
    """The attempt's id in `/attempts/<id>` (or `/attempts/<id>/<action>`) when the route's converter takes
    it as it is written (no leading zero, 1 to MAX_ID); else None."""
    parts = path.split("/")
    if (len(parts) != (4 if action else 3) or (action and parts[3] != action) or not parts[2].isascii()
            or not parts[2].isdigit() or parts[2].startswith("0")):
        return None
    number = int(parts[2])
    return number if number <= MAX_ID else None
