"""Driving the app like a browser: CSRF tokens, forms, and the `auth` actions of a signed-in visitor."""

from __future__ import annotations

import re
import uuid

from lms.services import accounts, tokens
from tests.support.apps import TEST_PASSWORD

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = CSRF.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client, url: str, data: dict, *, form_url: str | None = None, follow_redirects: bool = False):
    """Post like a browser: fetch the form page for its CSRF token first."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=follow_redirects)


class AuthActions:
    """Sign up, in and out through the real forms (as flaskr's tests do)."""

    def __init__(self, client):
        self.client = client
        self.email: str | None = None

    def sign_up(self, email: str | None = None, password: str = TEST_PASSWORD) -> str:
        """Sign up and follow the confirmation link the email carries (made here as the email would make it)."""
        email = email or f"agent-{uuid.uuid4().hex[:8]}@example.com"
        response = post_form(self.client, "/account/sign-up",
                             {"email": email, "password": password, "confirm": password})
        assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True), \
            response.get_data(as_text=True)
        response = self.confirm(email)
        assert response.status_code == 302, response.get_data(as_text=True)
        self.email = email
        return email

    def confirm(self, email: str):
        app = self.client.application
        with app.extensions["lms.db"].reading() as session:
            user = accounts.find_by_email(session, email)
            token = tokens.confirmation_token(user, app.config["SECRET_KEY"])
        return post_form(self.client, f"/account/confirm/{token}", {})

    def sign_in(self, email: str | None = None, password: str = TEST_PASSWORD):
        email = email or self.email
        assert email, "sign up first, or say who signs in"
        self.email = email
        return post_form(self.client, "/account/sign-in", {"email": email, "password": password})

    def sign_out(self):
        return post_form(self.client, "/account/sign-out", {}, form_url="/home")


def sign_up(client, email: str | None = None, password: str = TEST_PASSWORD) -> str:
    """Sign `client` up as a new learner (a second browser in a test uses this)."""
    return AuthActions(client).sign_up(email, password)


def new_agents(app, *emails: str) -> list:
    """A browser per email, signed up as a new learner, its welcome message already shown: their next
    pages carry no flashed message, so a page kept per learner state may serve them."""
    clients = []
    for email in emails:
        client = app.test_client()
        sign_up(client, email)
        client.get("/home")
        clients.append(client)
    return clients


def one_render_for_both(cache, url: str, first, second) -> tuple[str, str]:
    """`url` as two agents get it from a cleared page cache: the second agent's page must come from the
    render made for the first."""
    cache.clear()
    hits = cache.hits
    pages = first.get(url).get_data(as_text=True), second.get(url).get_data(as_text=True)
    assert cache.hits == hits + 1, f"{url} was rendered again for the second agent"
    return pages


def sign_in(client, email: str, password: str = TEST_PASSWORD):
    return AuthActions(client).sign_in(email, password)
