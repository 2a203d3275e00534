"""Heartbeats, autosaves, exam starts and submissions that Flask would certainly accept, answered
before Flask's request machinery.

A heartbeat is most of what a server does for agents (one a minute from every open module page,
about three in five requests of the capacity mix), an autosave comes every half minute from an
open exam, and a start and a submission are the costliest things an agent does; Flask's
per-request work (request context, Flask-Login, Flask-WTF's form parsing, routing, hooks) was over
half of what a heartbeat cost and over a quarter of a submission. The lane answers only a post
whose every check certainly passes, with the same functions the views use (the session cookie's
quick signature check, the CSRF token's, the seat note, the services); who is signed in is checked
as Flask-Login's identity query checks it, but within the service's own first statement
(`sessions.claim_holds`), a round trip fewer. Anything else (no or bad cookie, a token to look at
more closely, a track with conditions, a NUL, an untrusted Host, HTTPS without a same-origin
referrer, a body too big, a session that no longer signs anyone in, a rule the service refuses, an
error) goes to Flask untouched, so what is refused, and how, stays Flask's decision.
`tests/web/test_post_lane*.py` send each case both ways and compare the responses and the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from io import BytesIO
from typing import Any, cast

from flask import Flask, Response
from werkzeug.utils import redirect

from lms.content.catalog import Exam
from lms.db import UnitOfWork
from lms.extensions import CATALOG, CLOCK
from lms.services import autosave, exams, player, progress, sessions, tokens
from lms.services.errors import RuleError
from lms.services.sessions import SignedIn
from lms.web import signing
from lms.web.lane_checks import csrf_token_sent, form_fields, read_body, referrer_allowed
from lms.web.lanes import (
    SIGNED_IN_HEADERS,
    USER_ID,
    Answer,
    attempt_id_in,
    signed_in_session,
    trusted_host,
    unit_of_work,
)
from lms.web.security import SESSION_KEY

# A heartbeat's body is its seat note and perhaps its CSRF token (under 300 bytes), a start's its token;
# an autosave's or a submission's is an answer token (12 hex digits) or a few per question. More goes
# to Flask.
MAX_SMALL_BODY = 2048
MAX_ANSWERS_BODY = 64 * 1024
_JSON = "application/json"  # the Accept header of the page's autosave, which Flask answers with JSON
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Post:
    """A form post whose session and CSRF token passed every check Flask would make."""

    fields: dict[str, list[str]]
    session: dict[str, Any]

    def first(self, name: str) -> str:
        """The first value sent under `name`, or "" (Flask's `request.form.get(name, "")`)."""
        values = self.fields.get(name)
        return values[0] if values else ""

    def values(self, name: str) -> list[str]:
        """Every value sent under `name` (Flask's `request.form.getlist(name)`)."""
        return self.fields.get(name, [])


_NO_CONTENT = Answer("204 NO CONTENT", [("Content-Type", "text/html; charset=utf-8"), *SIGNED_IN_HEADERS], b"")


def _redirect_to(location: str) -> Answer:
    """Flask's `redirect(location)` for a signed-in agent: werkzeug's own page, made once per worker."""
    head, middle, tail = _REDIRECT_PAGE
    body = b"".join((head, location.encode(), middle, location.encode(), tail))
    return Answer("302 FOUND", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                                ("Location", location), *SIGNED_IN_HEADERS], body)


def _redirect_page() -> tuple[bytes, bytes, bytes]:
    sample = "/attempts/1/result"  # a location HTML escaping leaves as it is, like every one the lane sends
    head, middle, tail = redirect(sample).get_data().split(sample.encode())
    return head, middle, tail


_REDIRECT_PAGE = _redirect_page()


class PostLane:
    """WSGI middleware in front of Flask's own `wsgi_app`, behind any ProxyFix (so it sees the client
    address and scheme Flask would)."""

    def __init__(self, app: Flask, flask_wsgi: Callable[..., Any]):
        self.app = app
        self.flask_wsgi = flask_wsgi

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        route = _route(environ, path)
        if route is None:
            return self.flask_wsgi(environ, start_response)
        answer_with, largest = route
        body = read_body(environ, self._body_limit(largest))
        if body is not None:
            answer = None
            try:
                post = self._admitted(environ, body)
                answer = answer_with(self, environ, path, post) if post is not None else None
            except RuleError:  # the service refused (an unanswered question, no attempt left): Flask says so
                pass
            except Exception:  # noqa: BLE001 - Flask handles the request afresh: its error page, its log
                # Doing it again is harmless: seat time is counted from where it was last counted, and a
                # submission already scored is answered with its recorded result.
                _log.warning("the post lane failed; Flask answers the request instead", exc_info=True)
            if answer is not None:
                start_response(answer.status, list(answer.headers))
                return [answer.body]
            environ["wsgi.input"] = BytesIO(body)  # Flask reads the body the lane read
        return self.flask_wsgi(environ, start_response)

    def _body_limit(self, largest: int) -> int:
        config = self.app.config
        return min(largest, config.get("MAX_CONTENT_LENGTH") or largest, config.get("MAX_FORM_MEMORY_SIZE") or largest)

    def _admitted(self, environ: dict[str, Any], body: bytes) -> _Post | None:
        """The post's fields and session when Flask would certainly let it reach the view."""
        config = self.app.config
        if (not config.get("WTF_CSRF_ENABLED", True)
                or not config.get("WTF_CSRF_CHECK_DEFAULT", True) or "POST" not in config["WTF_CSRF_METHODS"]):
            return None
        query = environ.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:  # Flask refuses a NUL in the query as in the form
            return None
        fields = form_fields(body, int(environ["CONTENT_LENGTH"]), config.get("MAX_FORM_PARTS") or 1000)
        if fields is None:
            return None
        session = signed_in_session(self.app, environ)
        host = trusted_host(self.app, environ) if session is not None else None
        if session is None or host is None:
            return None
        token = csrf_token_sent(environ, fields, config)
        secret = config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key
        if (token is None or not signing.token_matches(session.get(signing.CSRF_FIELD), token, secret,
                                                        config.get("WTF_CSRF_TIME_LIMIT", 3600))
                or not referrer_allowed(environ, host, config)):
            return None
        return _Post(fields, session)

    def _beat(self, _environ: dict[str, Any], path: str, post: _Post) -> Answer | None:
        """Count the heartbeat, as `player.heartbeat` does for a track open to every agent."""
        module_key = _open_module_key(self.app, path)
        claim = self._claim(post)
        if module_key is None or claim is None:
            return None
        # The seat note names the claimed account: for anyone else it is no note, and then nothing is written.
        opened_at = tokens.page_opened_at(self.app.config["SECRET_KEY"], post.first("opened"), claim.user_id,
                                          module_key)
        now = self.app.extensions[CLOCK].now()
        with unit_of_work(self.app) as work:
            # Usually one statement, checking who is signed in as it counts; a module's first heartbeat
            # (no row yet) and a claim that no longer holds take the view's way.
            if progress.heartbeat_if_signed_in(work, claim, module_key, opened_at, now):
                return _NO_CONTENT
            identity = self._identity(work, post)
            if identity is None:
                return None
            progress.heartbeat(work, identity.id, module_key, opened_at, now)
        return _NO_CONTENT

    def _submit(self, environ: dict[str, Any], path: str, post: _Post) -> Answer | None:
        """Score the attempt and send the agent to its result, as `player.submit` does."""
        attempt_id = attempt_id_in(path, "submit")
        if attempt_id is None or environ.get("SCRIPT_NAME"):  # a mounted site's links are Flask's to build
            return None
        claim = self._claim(post)
        if claim is None:
            return None
        # From the confirmation page the saved answers are scored as they are (its form carries none).
        values = None if post.first("saved") == "yes" else post.values
        with unit_of_work(self.app) as work:  # the attempt's read checks who is signed in (NotFound when not)
            note = self._layout_note(work, post, attempt_id)
            exams.submit_attempt(work, self.app.extensions[CATALOG].catalog, attempt_id, claim.user_id, values,
                                 self.app.extensions[CLOCK].now(), confirmed=post.first("confirm") == "yes",
                                 claim=claim, note=note)
        return _redirect_to(f"/attempts/{attempt_id}/result")

    def _start(self, environ: dict[str, Any], path: str, post: _Post) -> Answer | None:
        """Start (or resume) the agent's attempt and send them to it, as `player.start` does for an exam
        of a track open to every agent. An open attempt that ran out of time goes to Flask, which scores
        it and, when it was the last, shows its result with a message the lane has no session to carry."""
        exam = _open_exam(self.app, path)
        claim = self._claim(post)
        if exam is None or claim is None or environ.get("SCRIPT_NAME"):
            return None
        with unit_of_work(self.app) as work:  # the start's first read checks who is signed in (NotSignedIn when not)
            started = exams.start_attempt(work, self.app.extensions[CATALOG].catalog, exam, claim.user_id,
                                          self.app.extensions[CLOCK].now(), score_expired=False, claim=claim)
        return _redirect_to(f"/attempts/{started.id}")

    def _save(self, environ: dict[str, Any], path: str, post: _Post) -> Answer | None:
        """Keep the answers, as `player.save` does for the page's autosave (which asks for JSON)."""
        attempt_id = attempt_id_in(path, "save")
        if attempt_id is None or environ.get("HTTP_ACCEPT") != _JSON or environ.get("SCRIPT_NAME"):
            return None
        claim = self._claim(post)
        if claim is None:
            return None
        now = self.app.extensions[CLOCK].now()
        with unit_of_work(self.app) as work:
            saved = autosave.save_if_signed_in(work, claim, attempt_id, post.values, now,
                                               note=self._layout_note(work, post, attempt_id))
            if saved is None:  # not as it usually goes (signed out, out of time, ...): the view's way
                identity = self._identity(work, post)
                if identity is None:
                    return None
                try:
                    saved = exams.save_answers(work, self.app.extensions[CATALOG].catalog, attempt_id, identity.id,
                                               post.values, now, durable=False)
                except exams.TimeIsUp as error:  # scored and committed: asked again, the service would refuse
                    return self._json(409, saved=False, message=str(error), result=f"/attempts/{attempt_id}/result")
        return self._json(200, saved=True, at=saved.isoformat())

    def _json(self, status: int, **values: Any) -> Answer:
        """Flask's `jsonify(**values)` with `status`, for a signed-in agent."""
        response = cast(Response, self.app.json.response(**values))  # the app's response_class
        response.status_code = status
        body = response.get_data()
        return Answer(response.status, [("Content-Type", response.content_type), ("Content-Length", str(len(body))),
                                         *SIGNED_IN_HEADERS], body)

    def _layout_note(self, work: UnitOfWork, post: _Post, attempt_id: int) -> tokens.LayoutNote | None:
        """The version and seed the attempt page's form says it showed, so that PostgreSQL need not read them
        first (SQLite reads them in the process, for less than the note's HMAC costs)."""
        if work.is_sqlite:
            return None
        return tokens.read_layout_note(self.app.config["SECRET_KEY"], post.first(tokens.LAYOUT_NOTE_FIELD), attempt_id)

    @staticmethod
    def _claim(post: _Post) -> sessions.Claim | None:
        """Who the session says is signed in, for the services to check as they read or write (one
        statement fewer than reading the identity first), as Flask-Login's identity query does."""
        return sessions.claim(post.session[USER_ID], post.session.get(SESSION_KEY))

    @staticmethod
    def _identity(work: UnitOfWork, post: _Post) -> SignedIn | None:
        """The session's identity (None when signed out), as Flask-Login finds it."""
        return sessions.identity_for(work, post.session[USER_ID], post.session.get(SESSION_KEY))


_Route = tuple[Callable[[PostLane, dict[str, Any], str, _Post], "Answer | None"], int]


def _route(environ: dict[str, Any], path: str) -> _Route | None:
    """Which of the lane's answers a request might get, and the largest body it reads for it."""
    if environ.get("REQUEST_METHOD") != "POST":
        return None
    if path.startswith("/learn/") and path.endswith("/heartbeat"):
        return PostLane._beat, MAX_SMALL_BODY
    if path.startswith("/exams/") and path.endswith("/start"):
        return PostLane._start, MAX_SMALL_BODY
    if path.startswith("/attempts/"):
        if path.endswith("/submit"):
            return PostLane._submit, MAX_ANSWERS_BODY
        if path.endswith("/save"):
            return PostLane._save, MAX_ANSWERS_BODY
    return None


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


def _open_exam(app: Flask, path: str) -> Exam | None:
    """The exam named by `/exams/<key>/start` when it belongs to a track open to every agent, as the
    view's `_open_exam` finds it; else None."""
    key = path[len("/exams/"):-len("/start")]
    if not key or not path.isascii():
        return None
    catalog = app.extensions[CATALOG].catalog
    exam = catalog.exams.get(key)
    module = catalog.module_for_exam(key) if exam is not None else None
    track = catalog.tracks.get(module.track_key) if module is not None else None
    return exam if track is not None and player.open_to_everyone(track) else None
