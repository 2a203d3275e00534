"""Sign-up, sign-in, sessions, CSRF, throttling and password resets through the web."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from pathlib import Path

import pytest

from tests.support.apps import TEST_PASSWORD, make_app
from tests.support.web import csrf_token, post_form, sign_in, sign_up


def sign_out(client):
    return client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/home")})


def mail(app) -> list[email.message.EmailMessage]:
    """Deliver the outbox as the background worker would, and read what was sent."""
    app.extensions["lms.outbox"].run_until_idle()
    folder = Path(app.config["INSTANCE_PATH"]) / "outbox"
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))]


def test_sign_up_asks_to_confirm_the_address_then_signs_in_and_asks_for_the_profile(client, app):
    response = post_form(client, "/account/sign-up", {"email": "New@Example.com ", "password": TEST_PASSWORD,
                                                      "confirm": TEST_PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Check your email" in page and "instance/outbox/" in page
    assert client.get("/home").status_code == 302  # not signed in yet
    [message] = mail(app)
    link = re.search(r"http://127\.0\.0\.1:5000(/account/confirm/\S+)", message.get_content()).group(1)
    opened = client.get(link)  # opening the link (as a mail scanner would) confirms nothing by itself
    assert opened.status_code == 200 and "Confirm my email address" in opened.get_data(as_text=True)
    assert client.get("/home").status_code == 302
    response = post_form(client, link, {})
    assert response.headers["Location"] == "/profile"
    assert "Agent profile" in client.get("/profile").get_data(as_text=True)


def test_signing_up_with_a_taken_address_looks_the_same_and_tells_the_owner(app):
    owner, visitor = app.test_client(), app.test_client()
    sign_up(owner, "taken@example.com")
    mail(app)  # the owner's own confirmation, delivered
    pages = []
    for email_address in ("taken@example.com", "fresh@example.com"):
        response = post_form(visitor, "/account/sign-up", {"email": email_address, "password": TEST_PASSWORD,
                                                           "confirm": TEST_PASSWORD})
        pages.append((response.status_code, response.get_data(as_text=True).replace(email_address, "ADDRESS")))
    assert pages[0] == pages[1]
    sent = {message["To"]: message["Subject"] for message in mail(app)[-2:]}
    assert "tried to create" in sent["taken@example.com"] and "Confirm" in sent["fresh@example.com"]


def test_a_broken_or_expired_confirmation_link_says_so(client):
    response = client.get("/account/confirm/not-a-token", follow_redirects=True)
    assert "confirmation link is not valid" in response.get_data(as_text=True)


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
    sign_out(client)
    response = client.post("/account/sign-in", data={"email": "csrf@example.com", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # still signed out


def test_eleventh_failed_sign_in_within_a_minute_is_refused(client):
    sign_up(client, "throttle@example.com")
    sign_out(client)
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
        sign_out(client)
        assert sign_in(client, "often@example.com").status_code == 302


def test_wrong_current_passwords_are_throttled_per_account(client):
    sign_up(client, "changer@example.com")
    for _ in range(5):
        response = post_form(client, "/account/password", {"current_password": "not my password",
                                                           "new_password": "another long passphrase",
                                                           "confirm": "another long passphrase"})
        assert response.status_code == 422
    response = post_form(client, "/account/password", {"current_password": TEST_PASSWORD,
                                                       "new_password": "another long passphrase",
                                                       "confirm": "another long passphrase"})
    assert response.status_code == 429 and "Too many wrong current passwords" in response.get_data(as_text=True)


def test_reset_requests_are_throttled_per_account_known_or_not(client):
    for address in ("ghost@example.com", "ghost@example.com", "ghost@example.com"):
        assert post_form(client, "/account/reset", {"email": address}).status_code == 302
    response = post_form(client, "/account/reset", {"email": "GHOST@example.com"})
    assert response.status_code == 429 and "Too many reset requests" in response.get_data(as_text=True)


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else ""


def test_session_is_replaced_at_sign_in(client):
    sign_up(client, "rotate@example.com")
    sign_out(client)
    csrf_token(client, "/account/sign-in")
    before = _session_cookie(client)
    sign_in(client, "rotate@example.com")
    after = _session_cookie(client)
    assert before and after and before != after
    with client.session_transaction() as session:
        assert "csrf_token" not in session  # nothing from the anonymous session carried over
        assert session["_user_id"].endswith(":1") and len(session["_lms_session"]) >= 40



def test_a_page_view_leaves_the_cookie_alone_and_signing_out_replaces_it(client):
    sign_up(client, "cookie@example.com")
    client.get("/home")  # shows (and so takes out of the session) the welcome message
    signed_in = _session_cookie(client)
    page = client.get("/home")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers  # nothing in the session changed
    assert "Cookie" in page.headers["Vary"]  # a cache must not hand this page to another cookie
    left = sign_out(client)
    assert "session=" in left.headers["Set-Cookie"]
    assert _session_cookie(client) != signed_in

def test_a_copied_cookie_stops_working_after_sign_out(app):
    browser, thief = app.test_client(), app.test_client()
    sign_up(browser, "copied@example.com")
    thief.set_cookie("session", _session_cookie(browser))
    assert thief.get("/home").status_code == 200
    sign_out(browser)
    assert thief.get("/home").status_code == 302


def test_sign_out_of_all_devices(app):
    laptop, phone = app.test_client(), app.test_client()
    sign_up(laptop, "everywhere@example.com")
    sign_in(phone, "everywhere@example.com")
    page = laptop.get("/account/").get_data(as_text=True)
    assert "signed in on 2 browsers" in page and "Sign out of all devices" in page
    response = post_form(laptop, "/account/sign-out-everywhere", {}, form_url="/account/")
    assert response.headers["Location"] == "/account/sign-in"
    assert laptop.get("/home").status_code == 302 and phone.get("/home").status_code == 302


def test_cookies_are_httponly_lax_and_secure_outside_debug(tmp_path, monkeypatch, sqlite_url):
    app = make_app(tmp_path, monkeypatch, sqlite_url, TESTING=False, PUBLIC_URL="https://training.example.org")
    client = app.test_client()
    response = client.get("/account/sign-in", base_url="https://training.example.org")
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in client.get("/account/sign-in",
                                                         base_url="http://training.example.org").headers


def test_serving_without_a_public_url_is_refused_with_how_to_fix_it(tmp_path, monkeypatch, sqlite_url):
    from lms.config import ConfigError

    with pytest.raises(ConfigError, match="LMS_PUBLIC_URL"):
        make_app(tmp_path, monkeypatch, sqlite_url, TESTING=False)


def test_requests_for_other_hosts_are_refused_and_links_use_the_public_url(tmp_path, monkeypatch, sqlite_url):
    app = make_app(tmp_path, monkeypatch, sqlite_url, PUBLIC_URL="https://training.example.org")
    client = app.test_client()
    good = client.get("/account/reset", base_url="https://training.example.org")
    assert good.status_code == 200
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', good.get_data(as_text=True)).group(1)
    with app.extensions["lms.db"].unit_of_work() as uow:
        from lms.services import accounts

        accounts.create_account(uow, "hosted@example.com", TEST_PASSWORD)
    poisoned = client.post("/account/reset", data={"email": "hosted@example.com", "csrf_token": token},
                           headers={"Host": "evil.example"})
    assert poisoned.status_code == 400  # not a trusted host: refused before any view runs
    sent = client.post("/account/reset", data={"email": "hosted@example.com", "csrf_token": token},
                       base_url="https://training.example.org",
                       headers={"Referer": "https://training.example.org/account/reset"})
    assert sent.status_code == 302
    [message] = mail(app)
    assert "https://training.example.org/account/reset/" in message.get_content()
    assert "evil.example" not in message.get_content()
    app.extensions["lms.db"].dispose()


def test_reset_answers_the_same_for_known_and_unknown_addresses(client, app):
    sign_up(client, "known@example.com")
    sign_out(client)
    mail(app)
    answers = []
    for email_address in ("known@example.com", "unknown@example.com"):
        response = post_form(client, "/account/reset", {"email": email_address})
        answers.append((response.status_code, response.headers["Location"],
                        client.get("/account/sign-in").get_data(as_text=True).count("If an account uses that")))
    assert answers[0] == answers[1] == (302, "/account/sign-in", 1)
    sent = mail(app)  # (the sign-up's confirmation was used before it went out, so it never did)
    assert [(message["To"], "Reset" in message["Subject"]) for message in sent] == [("known@example.com", True)]


def test_reset_answers_the_same_when_the_mail_server_is_down(tmp_path, monkeypatch, sqlite_url):
    app = make_app(tmp_path, monkeypatch, sqlite_url, SMTP_HOST="127.0.0.1", SMTP_PORT=9)  # nothing listens
    client = app.test_client()
    with app.extensions["lms.db"].unit_of_work() as uow:
        from lms.services import accounts

        accounts.create_account(uow, "down@example.com", TEST_PASSWORD)
    statuses = [post_form(client, "/account/reset", {"email": address}).status_code
                for address in ("down@example.com", "nobody@example.com")]
    assert statuses == [302, 302]
    report = app.extensions["lms.outbox"].run_until_idle()
    assert report.failed == 1 and "ConnectionRefusedError" in report.errors[0]  # retried later, not lost
    app.extensions["lms.db"].dispose()


def test_reset_link_sets_a_new_password(client, app):
    sign_up(client, "relink@example.com")
    sign_out(client)
    post_form(client, "/account/reset", {"email": "relink@example.com"})
    message = mail(app)[-1].get_content()
    path = re.search(r"http://127\.0\.0\.1:5000(/account/reset/\S+)", message).group(1)
    response = post_form(client, path, {"new_password": "a new long passphrase", "confirm": "a new long passphrase"})
    assert response.headers["Location"] == "/home"
    sign_out(client)
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


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/home\r\nX: y"])
def test_next_parameter_cannot_leave_the_site(client, target):
    email_address = sign_up(client, f"next-{uuid.uuid4().hex[:6]}@example.com")
    sign_out(client)
    token = csrf_token(client, "/account/sign-in")
    response = client.post("/account/sign-in", query_string={"next": target},
                           data={"email": email_address, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/home"


def test_sign_out_needs_a_post(client):
    sign_up(client)
    assert client.get("/account/sign-out").status_code == 405
    assert client.get("/home").status_code == 200


def test_an_oversized_request_gets_a_clear_413(client):
    response = client.post("/account/sign-in", data={"email": "x" * (300 * 1024), "password": "y"})
    assert response.status_code == 413 and "Too much data" in response.get_data(as_text=True)


def test_nul_bytes_are_refused_with_a_clear_400(client):
    response = post_form(client, "/account/sign-in", {"email": "a\x00@example.com", "password": "x"})
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)


@pytest.mark.parametrize(("hops", "separate"), [(0, False), (1, True)])
def test_the_client_address_comes_from_proxy_headers_only_when_configured(tmp_path, monkeypatch, sqlite_url, hops,
                                                                          separate):
    app = make_app(tmp_path, monkeypatch, sqlite_url, PROXY_HOPS=hops, WTF_CSRF_ENABLED=False)
    client = app.test_client()

    def attempt(forwarded_for: str) -> int:
        return client.post("/account/sign-in", data={"email": "a@example.com", "password": "wrong password!"},
                           headers={"X-Forwarded-For": forwarded_for}).status_code

    for _ in range(10):
        assert attempt("203.0.113.7") == 422
    # Another address, as the proxy reports it: its own count only if the proxy is trusted.
    assert attempt("198.51.100.9") == (422 if separate else 429)
    app.extensions["lms.db"].dispose()


@pytest.mark.parametrize(("hops", "strict"), [(0, False), (1, True)])
def test_https_as_a_trusted_proxy_reports_it_asks_browsers_to_keep_to_https(tmp_path, monkeypatch, sqlite_url, hops,
                                                                            strict):
    app = make_app(tmp_path, monkeypatch, sqlite_url, PROXY_HOPS=hops)
    response = app.test_client().get("/account/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert ("Strict-Transport-Security" in response.headers) is strict
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    app.extensions["lms.db"].dispose()


def test_error_pages_and_static_files_carry_the_security_headers_once(client):
    for response in (client.get("/no-such-page"), client.get("/static/css/site.css"),
                     client.get("/account/sign-in?q=%00"),  # refused by the NUL check
                     client.post("/account/sign-in", data={"email": "a@example.com"})):  # no CSRF token
        assert response.status_code in (200, 400, 404)
        for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
            assert len(response.headers.getlist(name)) == 1, (response.status_code, name)
        assert "Strict-Transport-Security" not in response.headers  # served over plain HTTP


def test_reset_links_never_reach_the_log(client, app, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    with app.extensions["lms.db"].unit_of_work() as uow:
        from lms.services import accounts

        accounts.create_account(uow, "quiet@example.com", TEST_PASSWORD)
    post_form(client, "/account/reset", {"email": "quiet@example.com"})
    [message] = mail(app)
    token = re.search(r"/account/reset/(\S+)", message.get_content()).group(1)
    assert token not in caplog.text and "/account/reset/" not in caplog.text
