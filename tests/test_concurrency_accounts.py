"""Two people signing up at the same moment with the same email (any case) make one account."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.models import User
from tests.support.apps import TEST_PASSWORD, make_app
from tests.support.live import Browser, live_server, run_together


def test_concurrent_sign_ups_differing_only_in_case_create_one_account(tmp_path, monkeypatch, db_url):
    app = make_app(tmp_path, monkeypatch, db_url)
    emails = ["Race@Example.com", "race@example.com", " RACE@EXAMPLE.COM", "race@Example.COM"]
    with live_server(app) as base:
        browsers = [Browser(base) for _ in emails]
        tokens = [browser.token("/account/sign-up") for browser in browsers]

        def attempt(browser, token, email):
            return lambda: browser.request("/account/sign-up", {
                "email": email, "password": TEST_PASSWORD, "confirm": TEST_PASSWORD, "csrf_token": token})

        results = run_together([attempt(b, t, e) for b, t, e in zip(browsers, tokens, emails, strict=True)])
    assert [status for status, _ in results] == [200] * 4
    assert all("Check your email" in body for _, body in results)  # the same answer for everyone
    with app.extensions["lms.db"].reading() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1
    app.extensions["lms.db"].dispose()
