"""A real HTTP server around the app, and browser-like clients, for concurrency tests."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

from werkzeug.serving import make_server

from lms.services import accounts, tokens
from tests.support.apps import TEST_PASSWORD

_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@contextmanager
def live_server(app):
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One visitor with its own cookies; returns (status, body) without following redirects."""

    def __init__(self, base: str, cookies: http.cookiejar.CookieJar | None = None):
        self.base = base
        self.cookies = cookies if cookies is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def tab(self) -> Browser:
        """Another tab of the same browser: same cookies, its own connection."""
        return Browser(self.base, self.cookies)

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, path: str) -> str:
        status, page = self.request(path)
        match = _CSRF.search(page)
        assert match, f"no CSRF token on {path} ({status})"
        return match.group(1)


def run_together(functions):
    """Start every function at the same moment (a barrier) and return their results in order."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)
    errors: list = []

    def run(index, function):
        try:
            barrier.wait(timeout=30)
            results[index] = function()
        except Exception as exc:  # reported below, after every thread ends
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def signed_up(app, base: str, email: str, password: str = TEST_PASSWORD) -> Browser:
    """A new visitor who signs up and follows the link of the confirmation email."""
    browser = Browser(base)
    token = browser.token("/account/sign-up")
    status, page = browser.request("/account/sign-up", {"email": email, "password": password, "confirm": password,
                                                        "csrf_token": token})
    assert status == 200 and "Check your email" in page, page
    with app.extensions["lms.db"].reading() as session:
        link = f"/account/confirm/{tokens.confirmation_token(accounts.find_by_email(session, email), app.config['SECRET_KEY'])}"
    status, _ = browser.request(link, {"csrf_token": browser.token(link)})
    assert status == 302
    return browser
