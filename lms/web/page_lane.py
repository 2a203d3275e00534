"""Module, exam and attempt pages that Flask would certainly answer with a page it has already rendered
and kept, sent before Flask's request machinery.

The module page is the page agents load most, the attempt page the one they reload most, and the exam
page the one they see before and after each attempt; once rendered, each is kept per worker for every
request in the same state (`kept_pages.py`), and what is left of its cost is Flask's per-request work
(request context, Flask-Login, routing, hooks, some thirty context lookups), more than half of a
page's time. The lane sends a page only when every check Flask would make certainly passes, with the
same functions the views use: the session cookie's quick signature check, the page's one read, which
checks who is signed in as Flask-Login's identity query does, the kept page, the CSRF token, the seat
note or the time left. Anything else (no or bad cookie, a flashed message waiting, no CSRF token in
the session yet, a track with conditions, a module completed, an exam with an attempt submitted, an
attempt submitted or out of time, a page not kept yet, a NUL, an untrusted Host, an error) goes to
Flask untouched. `tests/web/test_page_lane*.py` load each case both ways and compare the answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from lms.extensions import CATALOG, CLOCK
from lms.services import attempt_page, module_page, player, sessions, standings, tokens
from lms.web import signing
from lms.web.kept_pages import (
    ATTEMPT_PAGES,
    EXAM_PAGES,
    MODULE_PAGES,
    OPENED_MARK,
    answers_json,
    attempt_page_key,
    exam_page_key,
    module_page_key,
    time_left,
)
from lms.web.lanes import USER_ID, Answer, attempt_id_in, html_page, signed_in_session, trusted_host, unit_of_work
from lms.web.page_cache import CSRF_MARK, fill
from lms.web.security import SESSION_KEY

_FLASHES = "_flashes"  # where Flask keeps messages for the next page: that page is rendered afresh
_log = logging.getLogger(__name__)
_CSRF_MARK, _OPENED_MARK = CSRF_MARK.encode(), OPENED_MARK.encode()


@dataclass(frozen=True)
class _Visit:
    """A signed-in session whose page Flask would send with nothing written back: its claim, to be checked
    in the page's read, and its CSRF token, signed only when a kept page is sent."""

    claim: sessions.Claim
    raw_token: str
    csrf_secret: str | bytes

    def csrf_token(self) -> bytes:
        return signing.signed_csrf_token(self.raw_token, self.csrf_secret).encode()


class PageLane:
    """WSGI middleware in front of Flask's own `wsgi_app`, behind any ProxyFix (so it sees the client
    address and scheme Flask would)."""

    def __init__(self, app: Flask, flask_wsgi: Callable[..., Any]):
        self.app = app
        self.flask_wsgi = flask_wsgi

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":
            path = environ.get("PATH_INFO", "")
            page = (self._module_page if path.startswith("/learn/")
                    else self._attempt_page if path.startswith("/attempts/")
                    else self._exam_page if path.startswith("/exams/") else None)
            answer = None
            if page is not None:
                try:
                    answer = page(environ, path)
                except Exception:  # noqa: BLE001 - Flask handles the request afresh: its error page, its log
                    _log.warning("the page lane failed; Flask answers the request instead", exc_info=True)
            if answer is not None:
                start_response(answer.status, list(answer.headers))
                return [answer.body]
        return self.flask_wsgi(environ, start_response)

    def _module_page(self, environ: dict[str, Any], path: str) -> Answer | None:
        """The kept module page for this agent, as the `player.module` view answers a track open to all."""
        parts = path.split("/")
        if len(parts) != 5:
            return None
        app = self.app
        catalog = app.extensions[CATALOG].catalog
        module = catalog.modules.get(f"{parts[2]}/{parts[3]}/{parts[4]}")
        track = catalog.tracks.get(f"{parts[2]}/{parts[3]}")
        if module is None or track is None or not player.open_to_everyone(track):
            return None
        visit = self._visit(environ)
        if visit is None:
            return None
        with unit_of_work(app) as work:  # who is signed in, read with the page (Flask-Login's identity query)
            found = module_page.module_page_if_signed_in(work.connection, catalog, visit.claim, module)
        if found is None:  # signed out: Flask sends the browser to sign in
            return None
        role, state = found
        if state.completed:  # the page names the day in the agent's time zone, which Flask reads
            return None
        kept = MODULE_PAGES.kept(module_page_key(module, role, state, catalog.minimum_seconds(module), ""), catalog)
        if kept is None:
            return None
        seat = tokens.seat_token(app.config["SECRET_KEY"], visit.claim.user_id, module.key)
        return html_page(fill(kept, {_CSRF_MARK: visit.csrf_token(), _OPENED_MARK: seat.encode()}))

    def _exam_page(self, environ: dict[str, Any], path: str) -> Answer | None:
        """The kept exam page for this agent, as the `player.exam` view answers an exam of a track open to
        all, before any attempt of theirs is submitted."""
        app = self.app
        catalog = app.extensions[CATALOG].catalog
        exam_key = path[len("/exams/"):]
        exam = catalog.exams.get(exam_key)
        module = catalog.module_for_exam(exam_key) if exam is not None else None
        track = catalog.tracks.get(module.track_key) if module is not None else None
        visit = self._visit(environ) if track is not None and player.open_to_everyone(track) else None
        if exam is None or visit is None:
            return None
        with unit_of_work(app) as work:  # who is signed in, read with the attempts (Flask-Login's identity query)
            found = standings.shown_standing_if_signed_in(work.connection, exam, visit.claim)
        if found is None:  # signed out: Flask sends the browser to sign in
            return None
        role, standing = found
        if standing.submitted:  # the page lists them in the agent's time zone, which Flask reads
            return None
        kept = EXAM_PAGES.kept(exam_page_key(exam, role, standing, None), catalog)
        return html_page(fill(kept, {_CSRF_MARK: visit.csrf_token()})) if kept is not None else None

    def _attempt_page(self, environ: dict[str, Any], path: str) -> Answer | None:
        """The kept page of this agent's open attempt, as the `player.attempt` view answers it."""
        attempt_id = attempt_id_in(path)
        visit = self._visit(environ) if attempt_id is not None else None
        if attempt_id is None or visit is None:
            return None
        app = self.app
        now = app.extensions[CLOCK].now()
        with unit_of_work(app) as work:  # who is signed in, read with the attempt (Flask-Login's identity query)
            found = attempt_page.attempt_page_if_signed_in(work.connection, app.extensions[CATALOG].catalog,
                                                           visit.claim, attempt_id, now)
        if found is None:  # signed out, not this agent's, submitted or out of time: Flask's to answer
            return None
        role, page = found
        kept = ATTEMPT_PAGES.kept(attempt_page_key(page, role, answers_json(page)), page.exam)
        if kept is None:
            return None
        values = {mark.encode(): value.encode() for mark, value in time_left(page, now).items()}
        return html_page(fill(kept, {_CSRF_MARK: visit.csrf_token(), **values}))

    def _visit(self, environ: dict[str, Any]) -> _Visit | None:
        """The signed-in session of a page request Flask would let reach its view and answer without writing
        the session back; None for anything else."""
        query = environ.get("QUERY_STRING", "")
        # A mounted site's links are Flask's to build; a NUL in the query Flask refuses.
        if environ.get("SCRIPT_NAME") or "%00" in query or "\x00" in query:
            return None
        app = self.app
        session = signed_in_session(app, environ)
        if session is None or session.get(_FLASHES) or trusted_host(app, environ) is None:
            return None
        raw_token = session.get(signing.CSRF_FIELD)
        csrf_secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        if not isinstance(raw_token, str) or not csrf_secret:  # Flask-WTF would make a token and save the session
            return None
        claim = sessions.claim(session[USER_ID], session.get(SESSION_KEY))
        return _Visit(claim, raw_token, csrf_secret) if claim is not None else None
