"""Sending a request both ways, through the whole app (the post and page lanes in front of Flask) and
to Flask alone, and comparing what each answered and recorded."""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, request_started
from flask.testing import FlaskClient
from sqlalchemy import select, update

from lms.models import User, UserSession
from lms.web.page_lane import PageLane
from lms.web.post_lane import PostLane
from tests.support.web import new_agents

_TOKEN_VALUE = re.compile(r'name="csrf_token" value="[^"]*"')  # pages with a form hold the agent's own token
# Each agent's own on a page: the CSRF token and the seat-time note (both signed for them, at this second).
_OWN_TOKENS = re.compile(r'(name="csrf_token" value="|name="opened" value="|data-opened=")[^"]*"')
_SAVED_AT = re.compile(r'"at":"[^"]*"')  # when an autosave was kept: a moment apart for two agents


@contextlib.contextmanager
def flask_alone(app: Flask):
    security = app.wsgi_app
    lanes = security.wsgi_app  # inside the security headers, in front of Flask (no proxy in tests)
    assert isinstance(lanes, PostLane) and isinstance(lanes.flask_wsgi, PageLane)
    security.wsgi_app = lanes.flask_wsgi.flask_wsgi
    try:
        yield
    finally:
        security.wsgi_app = lanes


def post(app: Flask, client: FlaskClient, lane: bool, **kwargs: Any) -> tuple[Any, bool]:
    """`client.post(**kwargs)` through the whole app or to Flask alone, and whether Flask handled it
    (Flask's `request_started` fires only for what the lane leaves to it)."""
    return send(app, client.post, lane, **kwargs)


def send(app: Flask, request: Any, lane: bool, **kwargs: Any) -> tuple[Any, bool]:
    """`request(**kwargs)` (a test client's `get`, `post` or `open`) through the whole app or to Flask alone,
    and whether Flask handled it."""
    handled: list[Flask] = []

    def noted(sender, **_extra):
        handled.append(sender)

    with request_started.connected_to(noted, app), (contextlib.nullcontext() if lane else flask_alone(app)):
        response = request(**kwargs)
    return response, bool(handled)


def page_answer(app: Flask, client: FlaskClient, lane: bool, **request: Any) -> tuple[tuple[int, list, str], bool]:
    """`client.open(**request)` (a GET unless said) through the whole app or to Flask alone: status,
    headers and body with the agent's own tokens, cookies and lengths written alike; and whether Flask
    handled it."""
    request = {"method": "GET", **request}
    response, handled = send(app, client.open, lane, **request)
    body = response.get_data()
    if request["method"] != "HEAD":
        assert response.headers.get("Content-Length", str(len(body))) == str(len(body))
    headers = sorted((name, "(its own)" if name in ("Set-Cookie", "Content-Length") else value)
                     for name, value in response.headers.items())
    return (response.status_code, headers, _OWN_TOKENS.sub(r'\1(its own)"', body.decode())), handled


class EveryPageKept:
    """In place of a page lane's cache: a page kept for every key, as if an agent the page is open to, in
    the same state, had loaded it, so only the lane's own checks can keep it from being sent."""

    PAGE = "a page kept for another agent"

    @classmethod
    def kept(cls, _key: Any, _source: Any) -> tuple[bytes, ...]:
        return (cls.PAGE.encode(),)


@dataclass
class SignedUp:
    """A browser signed up as a new learner, its welcome message already shown, and the account's id."""

    client: FlaskClient
    user_id: int


_signed_up = itertools.count()


def signed_up(app: Flask) -> SignedUp:
    email = f"lane-agent-{next(_signed_up)}@example.com"
    (client,) = new_agents(app, email)
    with app.extensions["lms.db"].reading() as session:
        return SignedUp(client, session.scalars(select(User.id).where(User.email == email)).one())


def database_gone(*_args: Any, **_kwargs: Any) -> Any:
    """In place of a lane's read: the error it would meet if the database went away mid-request."""
    raise RuntimeError("the database went away")


def change_session(client: FlaskClient, change: Callable[[Any], None]) -> None:
    """Change what the client's session cookie holds (as the site would have, signed with its key)."""
    with client.session_transaction() as session:
        change(session)


def answer_of(response: Any, own: re.Pattern[str]) -> tuple[int, list[tuple[str, str]], str]:
    """Status, headers and body, with what differs between two agents in the same state written alike:
    the paths of their own attempts (`own`, whose two groups are the separators it matched, plain or
    URL-encoded), their tokens, cookies and times."""
    body = response.get_data()
    assert response.headers.get("Content-Length", str(len(body))) == str(len(body))
    headers = sorted((name, "(its own)" if name in ("Set-Cookie", "Content-Length") else own.sub(r"\1attempts\2N", value))
                     for name, value in response.headers.items())
    text = _TOKEN_VALUE.sub('name="csrf_token" value="(its own)"', own.sub(r"\1attempts\2N", body.decode()))
    return response.status_code, headers, _SAVED_AT.sub('"at":"(when)"', text)


def assert_alike(by_flask: tuple, by_app: tuple, by_lane: bool, caplog: pytest.LogCaptureFixture | None = None):
    """Each side is (answer, handled by Flask, what was recorded): the same answer and record, Flask
    handling the first, and the lane answering the second exactly when the case is marked for it
    (and, given `caplog`, never by failing over to Flask)."""
    expected, flask_handled, expected_record = by_flask
    answered, handled, record = by_app
    assert flask_handled
    assert handled is not by_lane, "the lane answered a case for Flask" if handled is False else \
        "the lane passed a case it should answer"
    assert answered == expected
    assert record == expected_record
    if caplog is not None:
        assert not [entry for entry in caplog.records if entry.name == "lms.web.post_lane"], "passed by failing"


def sign_out_everywhere(app: Flask, user_id: int) -> None:
    """"Sign out everywhere" from another browser: the cookie the test's client holds signs no one in."""
    with app.extensions["lms.db"].unit_of_work() as work, work.write() as session:
        session.execute(update(UserSession).where(UserSession.user_id == user_id)
                        .values(ended_at=UserSession.created_at))


def change_password_elsewhere(app: Flask, user_id: int) -> None:
    """The account's auth version moves on (a password change elsewhere); the client's cookie names the old one."""
    with app.extensions["lms.db"].unit_of_work() as work, work.write() as session:
        session.execute(update(User).where(User.id == user_id).values(auth_version=User.auth_version + 1))
