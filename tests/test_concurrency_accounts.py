"""Sign-ups and sign-ins at the same moment: one account per address, and no more guesses than the limit."""

from __future__ import annotations

import pytest
import redis
from sqlalchemy import func, select

from lms.models import User
from lms.services import accounts
from tests.support.apps import IN_CI, TEST_PASSWORD, make_app
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


@pytest.fixture
def redis_url():
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        if IN_CI:
            pytest.fail("CI=true but Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


def test_a_burst_of_parallel_sign_ins_checks_no_more_passwords_than_the_limit(tmp_path, monkeypatch, db_url,
                                                                             redis_url):
    from lms.services import passwords

    app = make_app(tmp_path, monkeypatch, db_url, RATELIMIT_STORAGE_URI=redis_url)
    with app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, "target@example.com", TEST_PASSWORD)
    checked = []
    real_verify = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda *args: checked.append(1) or real_verify(*args))
    with live_server(app) as base:
        browsers = [Browser(base) for _ in range(40)]
        tokens = [browser.token("/account/sign-in") for browser in browsers]
        results = run_together([
            (lambda browser=browser, token=token: browser.request(
                "/account/sign-in", {"email": "target@example.com", "password": "wrong password!", "csrf_token": token}))
            for browser, token in zip(browsers, tokens, strict=True)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [422] * 10 + [429] * 30
    assert len(checked) == 10  # counted before the check: however many arrive, only the limit are checked
    assert any(key.startswith(b"LIMITS") for key in redis.Redis.from_url(redis_url).scan_iter())
    app.extensions["lms.db"].dispose()
