"""Module pages that Flask would certainly answer with a page it has already rendered and kept, sent
before Flask's request machinery.

The module page is the page agents load most, and once rendered it is kept per worker for every agent
in the same state (`module_pages.py`); what is left of its cost is Flask's per-request work (request
context, Flask-Login, routing, hooks, some thirty context lookups), more than half of a page's time.
The lane serves a page only when every check Flask would make certainly passes, with the same
functions the view uses: the session cookie's quick signature check, the module's track open to every
agent, the page's one read, which checks who is signed in as Flask-Login's identity query does, the kept page, the
CSRF token and the seat note. Anything else (no or bad cookie, a flashed message waiting, no CSRF
token in the session yet, a track with conditions, a module completed, a page not kept yet, a NUL,
an untrusted Host, an error) goes to Flask untouched. `tests/web/test_page_lane.py` loads each case
both ways and compares the answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from lms.extensions import CATALOG
from lms.services import module_page, player, sessions, tokens
from lms.web import signing
from lms.web.lanes import USER_ID, Answer, html_page, signed_in_session, trusted_host, unit_of_work
from lms.web.module_pages import MODULE_PAGES, OPENED_MARK, page_key
from lms.web.page_cache import CSRF_MARK, fill
from lms.web.security import SESSION_KEY

_FLASHES = "_flashes"  # where Flask keeps messages for the next page: that page is rendered afresh
_log = logging.getLogger(__name__)
_CSRF_MARK, _OPENED_MARK = CSRF_MARK.encode(), OPENED_MARK.encode()


class PageLane:
    """WSGI middleware in front of Flask's own `wsgi_app`, behind any ProxyFix (so it sees the client
    address and scheme Flask would)."""

    def __init__(self, app: Flask, flask_wsgi: Callable[..., Any]):
        self.app = app
        self.flask_wsgi = flask_wsgi

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and environ.get("PATH_INFO", "").startswith("/learn/"):
            answer = None
            try:
                answer = self._module_page(environ)
            except Exception:  # noqa: BLE001 - Flask handles the request afresh: its error page, its log
                _log.warning("the page lane failed; Flask answers the request instead", exc_info=True)
            if answer is not None:
                start_response(answer.status, list(answer.headers))
                return [answer.body]
        return self.flask_wsgi(environ, start_response)

    def _module_page(self, environ: dict[str, Any]) -> Answer | None:
        """The kept module page for this agent, as the `player.module` view answers a track open to all."""
        path = environ["PATH_INFO"]
        parts = path.split("/")
        query = environ.get("QUERY_STRING", "")
        # A mounted site's links are Flask's to build; a NUL in the query Flask refuses.
        if (len(parts) != 5 or environ.get("SCRIPT_NAME")
                or "%00" in query or "\x00" in query):
            return None
        app = self.app
        catalog = app.extensions[CATALOG].catalog
        module = catalog.modules.get(f"{parts[2]}/{parts[3]}/{parts[4]}")
        track = catalog.tracks.get(f"{parts[2]}/{parts[3]}")
        if module is None or track is None or not player.open_to_everyone(track):
            return None
        session = signed_in_session(app, environ)
        if session is None or session.get(_FLASHES) or trusted_host(app, environ) is None:
            return None
        raw_token = session.get(signing.CSRF_FIELD)
        csrf_secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        if not isinstance(raw_token, str) or not csrf_secret:  # Flask-WTF would make a token and save the session
            return None
        claim = sessions.claim(session[USER_ID], session.get(SESSION_KEY))
        if claim is None:
            return None
        with unit_of_work(app) as work:  # who is signed in, read with the page (Flask-Login's identity query)
            found = module_page.module_page_if_signed_in(work.connection, catalog, claim, module)
        if found is None:  # signed out: Flask sends the browser to sign in
            return None
        role, state = found
        if state.completed:  # the page names the day in the agent's time zone, which Flask reads
            return None
        kept = MODULE_PAGES.kept(page_key(module, role, state, catalog.minimum_seconds(module), ""), catalog)
        if kept is None:
            return None
        seat = tokens.seat_token(app.config["SECRET_KEY"], claim.user_id, module.key)
        token = signing.signed_csrf_token(raw_token, csrf_secret)
        return html_page(fill(kept, {_CSRF_MARK: token.encode(), _OPENED_MARK: seat.encode()}))
