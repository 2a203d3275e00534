"""The session cookie and CSRF tokens, signed by serializers made once per key: a key rotation still takes
effect at once, tokens stay what Flask-WTF checks, and every response carries its security headers once."""

from __future__ import annotations

import pytest
from flask import g, session
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from lms.web.signing import csrf_token
from tests.support.web import post_form


def test_a_rotated_key_keeps_sessions_only_while_the_old_key_is_a_fallback(app, learner):
    assert learner.get("/home").status_code == 200
    old = app.secret_key
    app.secret_key = app.config["SECRET_KEY"] = "a new key " + "n" * 40
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert learner.get("/home").status_code == 200  # signed with the old key, still accepted
    app.config["SECRET_KEY_FALLBACKS"] = []
    response = learner.get("/home")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_tokens_are_flask_wtfs_and_follow_the_key(app):
    with app.test_request_context("/"):
        session["csrf_token"] = "raw token of this session"
        first = csrf_token()
        assert csrf_token() == first  # one per request
        validate_csrf(first)
        g.pop("csrf_token")
        app.secret_key = app.config["SECRET_KEY"] = "another key " + "k" * 40
        with pytest.raises(ValidationError):
            validate_csrf(first)
        validate_csrf(csrf_token())


def test_a_form_posts_with_the_token_its_page_carried(learner):
    response = post_form(learner, "/account/profile", {"first_name": "Ana"}, form_url="/account/profile")
    assert response.status_code != 400 and "Form expired" not in response.get_data(as_text=True)


def test_security_headers_appear_once_and_signed_in_pages_are_not_stored(app, learner):
    signed_in = learner.get("/home")
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                 "Cache-Control"):
        assert len(signed_in.headers.getlist(name)) == 1, name
    assert signed_in.headers["Cache-Control"] == "no-store"
    public = app.test_client().get("/account/sign-in")
    assert public.headers["X-Frame-Options"] == "DENY" and "Cache-Control" not in public.headers


def test_a_nul_anywhere_in_a_pages_query_is_refused_and_a_written_percent_is_not(learner):
    for query in ("q=%00", "q%00=1", "a=1&b=x%00y"):
        response = learner.get(f"/home?{query}")
        assert response.status_code == 400 and b"NUL" in response.data, query
    assert learner.get("/home?q=%2500").status_code == 200  # the text "%00", not a NUL
