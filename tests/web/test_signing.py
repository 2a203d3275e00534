"""The session cookie and CSRF tokens, signed by serializers made once per key: a key rotation still takes
effect at once, tokens stay what Flask-WTF checks, and every response carries its security headers once."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from flask import g, session
from flask_login import login_required
from flask_wtf.csrf import validate_csrf
from markupsafe import Markup
from wtforms import ValidationError

from lms.signatures import signing_for
from lms.web.signing import csrf_token, csrf_token_certainly_good
from tests.support.apps import make_app
from tests.support.web import csrf_token as csrf_token_of
from tests.support.web import new_agents, post_form


def test_a_rotated_key_keeps_sessions_only_while_the_old_key_is_a_fallback(app, learner):
    assert learner.get("/home").status_code == 200
    old = app.secret_key
    app.secret_key = app.config["SECRET_KEY"] = "a new key " + "n" * 40
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert learner.get("/home").status_code == 200  # signed with the old key, still accepted
    app.config["SECRET_KEY_FALLBACKS"] = []
    response = learner.get("/home")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def _session_cookie(app, values: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(values)


def test_a_cookie_opened_before_is_not_checked_again_but_still_expires(app, monkeypatch):
    """A worker remembers the cookies it found good: the next request with one skips the signature,
    not its age, and a request changing its session changes no other request's."""
    from lms.signatures import TimestampSigning

    interface = app.session_interface
    cookie = _session_cookie(app, {"_user_id": "7:1", "_fresh": False, "csrf_token": "raw"})
    checked = []
    unsign = TimestampSigning.unsign
    monkeypatch.setattr(TimestampSigning, "unsign", lambda self, *args, **kw: checked.append(1) or unsign(
        self, *args, **kw))
    first = interface.open_certainly_good(app, cookie)
    first["_user_id"] = "8:1"  # this request's change
    second = interface.open_certainly_good(app, cookie)
    assert dict(second) == {"_user_id": "7:1", "_fresh": False, "csrf_token": "raw"} and len(checked) == 1
    assert not second.modified  # opened as Flask opens it: nothing to save unless the request changes it
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    later = time.time() + lifetime + 1
    monkeypatch.setattr("lms.web.signing.time.time", lambda: later)
    assert interface.open_certainly_good(app, cookie) is None  # too old: Flask's own code decides


def test_a_cookie_remembered_under_the_old_key_does_not_open_under_a_new_one(app):
    interface = app.session_interface
    cookie = _session_cookie(app, {"_user_id": "7:1"})
    assert interface.open_certainly_good(app, cookie)["_user_id"] == "7:1"
    app.secret_key = app.config["SECRET_KEY"] = "a new key " + "n" * 40
    assert interface.open_certainly_good(app, cookie) is None  # Flask's own code decides: the fallbacks


@pytest.mark.parametrize("values", [
    {"_user_id": "7:1", "_fresh": False, "csrf_token": "raw", "n": 3, "x": 1.5, "none": None},
    {"_user_id": "7:1"}, {}, {" t": "a key Flask tags"}, {" di": "another"},
    {"_user_id": "7:1", "pair": (1, 2)}, {"_user_id": "7:1", "raw": b"\x00\xff"},
    {"_user_id": "7:1", "when": dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)},
    {"_user_id": "7:1", "nested": {" t": [1, 2]}}, {"_user_id": "7:1", "page": Markup("<b>x</b>")},
])
def test_a_cookie_opens_to_what_flask_would_open(app, values):
    """Plain values are read as JSON without Flask's untagging; anything Flask tags is read by Flask's own
    serializer, whose answer the quick way must match."""
    cookie = _session_cookie(app, values)
    expected = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert expected == values
    for _ in range(2):  # opened afresh, then (plain sessions) as remembered
        opened = app.session_interface.open_certainly_good(app, cookie)
        assert dict(opened) == expected and all(type(opened[key]) is type(value) for key, value in expected.items())


def test_a_session_holding_a_list_is_opened_afresh_each_time(app):
    """Flask's `flash` appends to the session's list in place: a remembered list would carry one
    request's messages into the next request with the same cookie."""
    interface = app.session_interface
    cookie = _session_cookie(app, {"_user_id": "7:1", "_flashes": [["success", "Saved."]]})
    first = interface.open_certainly_good(app, cookie)
    first["_flashes"].append(("error", "this request's message"))
    assert interface.open_certainly_good(app, cookie)["_flashes"] == [["success", "Saved."]]


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


def test_the_quick_token_check_accepts_only_what_flask_wtf_accepts(app):
    signing = signing_for(app.secret_key, "wtf-csrf-token")
    with app.test_request_context("/"):
        session["csrf_token"] = "raw token of this session"
        good = csrf_token()
        assert csrf_token_certainly_good(good)
        hour_ago = int(time.time()) - 3601
        old = signing.dumps("raw token of this session", now=hour_ago)
        others = signing.dumps("raw token of another session")
        for bad in (old, others, good[:-2], good + "x", "", None, "no.signature"):
            assert not csrf_token_certainly_good(bad), bad
            with pytest.raises(ValidationError):
                validate_csrf(bad)
        app.config["WTF_CSRF_TIME_LIMIT"] = None  # no limit: Flask-WTF's own check decides
        assert not csrf_token_certainly_good(old)
        validate_csrf(old)


def test_a_post_with_a_wrong_token_or_over_https_without_a_same_origin_referrer_is_refused(app, learner):
    token = csrf_token_of(learner, "/profile")
    wrong = signing_for(app.secret_key, "wtf-csrf-token").dumps("raw token of another session")
    refused = learner.post("/profile", data={"first_name": "Ana", "csrf_token": wrong})
    assert refused.status_code == 400 and "Form expired" in refused.get_data(as_text=True)
    for referrer in (None, "https://elsewhere.example/profile"):
        headers = {"Referer": referrer} if referrer else {}
        over_https = learner.post("/profile", data={"first_name": "Ana", "csrf_token": token},
                                  base_url="https://localhost", headers=headers)
        assert over_https.status_code == 400, referrer
    same_origin = learner.post("/profile", data={"first_name": "Ana", "csrf_token": token},
                               base_url="https://localhost", headers={"Referer": "https://localhost/profile"})
    assert same_origin.status_code == 422 and "Agent profile" in same_origin.get_data(as_text=True)


def test_a_form_posts_with_the_token_its_page_carried(learner):
    response = post_form(learner, "/profile", {"first_name": "Ana"})
    # The form was taken and checked: it comes back saying what is missing, not "Form expired".
    assert response.status_code == 422 and "Agent profile" in response.get_data(as_text=True)


def test_security_headers_appear_once_and_signed_in_pages_are_not_stored(app, learner):
    signed_in = learner.get("/home")
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                 "Cache-Control"):
        assert len(signed_in.headers.getlist(name)) == 1, name
    assert signed_in.headers["Cache-Control"] == "no-store"
    public = app.test_client().get("/account/sign-in")
    assert public.headers["X-Frame-Options"] == "DENY" and "Cache-Control" not in public.headers
    missing = learner.get("/learn/nowhere/at/all")  # an error page, signed in: not stored either
    assert missing.status_code == 404 and missing.headers.getlist("Cache-Control") == ["no-store"]
    asset = learner.get("/static/js/player.js")  # a static file keeps the cache headers it is sent with
    assert asset.status_code == 200 and "no-store" not in asset.headers.getlist("Cache-Control")


def test_a_signed_in_page_that_sets_its_own_cache_control_keeps_it(tmp_path, monkeypatch, sqlite_url):
    app = make_app(tmp_path, monkeypatch, sqlite_url)

    @app.get("/kept-a-minute")
    @login_required
    def kept_a_minute():
        return "kept", 200, {"Cache-Control": "private, max-age=60"}

    try:
        (agent,) = new_agents(app, "kept@example.com")
        assert agent.get("/kept-a-minute").headers.getlist("Cache-Control") == ["private, max-age=60"]
        assert agent.get("/home").headers.getlist("Cache-Control") == ["no-store"]
    finally:
        app.extensions["lms.db"].dispose()


def test_a_nul_anywhere_in_a_pages_query_is_refused_and_a_written_percent_is_not(learner):
    for query in ("q=%00", "q%00=1", "a=1&b=x%00y"):
        response = learner.get(f"/home?{query}")
        assert response.status_code == 400 and b"NUL" in response.data, query
    assert learner.get("/home?q=%2500").status_code == 200  # the text "%00", not a NUL
