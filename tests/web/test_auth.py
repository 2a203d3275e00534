"""Sign-up, sign-in, sessions, CSRF, throttling and password resets through the web."""

from __future__ import annotations

import re

from tests.support.apps import TEST_PASSWORD, make_app
from tests.support.web import csrf_token, post_form, sign_in, sign_up


def test_sign_up_signs_in_and_asks_for_the_profile(client):
    response = post_form(client, "/account/sign-up", {"email": "New@Example.com ", "password": TEST_PASSWORD,
                                                      "confirm": TEST_PASSWORD})
    assert response.headers["Location"] == "/profile"
    assert "Agent profile" in client.get("/profile").get_data(as_text=True)


def test_form_errors_keep_what_was_typed_except_passwords(client):
    response = post_form(client, "/account/sign-up", {"email": "typed@example.com", "password": "password",
                                                      "confirm": "password"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="typed@example.com"' in page
    assert 'value="password"' not in page
    assert "most common passwords" in page
    assert 'aria-invalid="true"' in page and 'href="#password"' in page  # error summary links to the field


def test_post_without_csrf_token_is_refused(client):
    sign_up(client, "csrf@example.com")
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    response = client.post("/account/sign-in", data={"email": "csrf@example.com", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # still signed out


def test_eleventh_failed_sign_in_within_a_minute_is_refused(client):
    sign_up(client, "throttle@example.com")
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    for _ in range(10):
        response = sign_in(client, "throttle@example.com", "wrong password!")
        assert response.status_code == 422
        assert "email address or password is not right" in response.get_data(as_text=True)
    response = sign_in(client, "throttle@example.com", TEST_PASSWORD)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)


def test_successful_sign_ins_do_not_count_towards_the_limit(client):
    sign_up(client, "often@example.com")
    for _ in range(12):
        client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/home")})
        assert sign_in(client, "often@example.com").status_code == 302


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else ""


def test_session_is_replaced_at_sign_in(client):
    sign_up(client, "rotate@example.com")
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    csrf_token(client, "/account/sign-in")
    before = _session_cookie(client)
    sign_in(client, "rotate@example.com")
    after = _session_cookie(client)
    assert before and after and before != after
    with client.session_transaction() as session:
        assert "csrf_token" not in session  # nothing from the anonymous session carried over
        assert session["_user_id"].endswith(":1")


def test_cookies_are_httponly_lax_and_secure_outside_debug(tmp_path, monkeypatch, sqlite_url):
    app = make_app(tmp_path, monkeypatch, sqlite_url, TESTING=False)
    client = app.test_client()
    header = client.get("/account/sign-in").headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header


def test_reset_answers_the_same_for_known_and_unknown_addresses(client, app):
    sign_up(client, "known@example.com")
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    answers = []
    for email in ("known@example.com", "unknown@example.com"):
        response = post_form(client, "/account/reset", {"email": email})
        answers.append((response.status_code, response.headers["Location"],
                        client.get("/account/sign-in").get_data(as_text=True).count("If an account uses that")))
    assert answers[0] == answers[1] == (302, "/account/sign-in", 1)
    outbox = list((app.instance_path and __import__("pathlib").Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(outbox) == 1


def test_reset_link_sets_a_new_password(client, app):
    from pathlib import Path

    sign_up(client, "relink@example.com")
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    post_form(client, "/account/reset", {"email": "relink@example.com"})
    message = next((Path(app.instance_path) / "outbox").glob("*.eml")).read_text()
    path = re.search(r"http://localhost(/account/reset/\S+)", message).group(1)
    response = post_form(client, path, {"new_password": "a new long passphrase", "confirm": "a new long passphrase"})
    assert response.headers["Location"] == "/home"
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    assert sign_in(client, "relink@example.com", "a new long passphrase").status_code == 302
    assert client.get(path, follow_redirects=True).get_data(as_text=True).count("already been used") == 1


def test_change_password_ends_other_sessions(app):
    first, second = app.test_client(), app.test_client()
    sign_up(first, "two@example.com")
    sign_in(second, "two@example.com")
    assert second.get("/home").status_code == 200
    response = post_form(first, "/account/password", {"current_password": TEST_PASSWORD,
                                                      "new_password": "another long passphrase",
                                                      "confirm": "another long passphrase"})
    assert response.status_code == 302
    assert first.get("/home").status_code == 200
    assert second.get("/home").status_code == 302


def test_next_parameter_cannot_leave_the_site(client):
    sign_up(client, "next@example.com")
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/home")})
    token = csrf_token(client, "/account/sign-in")
    response = client.post("/account/sign-in?next=//evil.example/x",
                           data={"email": "next@example.com", "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/home"


def test_sign_out_needs_a_post(client):
    sign_up(client)
    assert client.get("/account/sign-out").status_code == 405
    assert client.get("/home").status_code == 200


def test_sign_in_throttling_counts_in_redis_when_configured(tmp_path, monkeypatch, sqlite_url):
    """Production shares the counters between workers through Redis (RATELIMIT_STORAGE_URI)."""
    import uuid

    import pytest
    import redis

    from tests.support.apps import IN_CI

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        if IN_CI:
            pytest.fail("CI=true but Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    redis.Redis.from_url(url).flushdb()
    app = make_app(tmp_path, monkeypatch, sqlite_url, RATELIMIT_STORAGE_URI=url)
    first, second = app.test_client(), app.test_client()  # two browsers: the count is per address
    email = f"redis-{uuid.uuid4().hex[:6]}@example.com"
    for _ in range(5):
        assert sign_in(first, email, "wrong password!").status_code == 422
        assert sign_in(second, email, "wrong password!").status_code == 422
    assert sign_in(first, email, "wrong password!").status_code == 429
    assert any(key.startswith(b"LIMITS") for key in redis.Redis.from_url(url).scan_iter())
    redis.Redis.from_url(url).flushdb()
    app.extensions["lms.db"].dispose()
