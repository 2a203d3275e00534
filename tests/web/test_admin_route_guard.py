"""Every admin and author route refuses whoever may not use it, found by walking the URL map.

A route added later under /admin or /author is checked here without anyone listing it, so it
cannot forget its role check.
"""

from __future__ import annotations

import pytest
from flask import url_for

from lms.services import accounts
from tests.support.apps import TEST_PASSWORD, make_app


@pytest.fixture
def guarded_app(tmp_path, monkeypatch, sqlite_url, player_root):
    # Without CSRF a refused POST is refused by the role check itself, not by a missing token.
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01",
                   WTF_CSRF_ENABLED=False)
    yield app
    app.extensions["lms.db"].dispose()


def guarded_requests(app, prefix: str) -> list[tuple[str, str]]:
    """(method, url) for every route whose URL starts with `prefix`, with sample values for its parts."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith(prefix + "/") and rule.rule != prefix:
                continue
            values = {name: 1 if name.endswith("_id") else "sample" for name in rule.arguments}
            url = url_for(rule.endpoint, **values)
            found += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def visitors(app) -> dict[str, object]:
    clients = {"anonymous": app.test_client()}
    with app.extensions["lms.db"].unit_of_work() as uow:
        for role in ("learner", "author", "admin"):
            accounts.create_account(uow, f"guard-{role}@example.com", TEST_PASSWORD, role=role)
    for role in ("learner", "author", "admin"):
        clients[role] = app.test_client()
        response = clients[role].post("/account/sign-in", data={"email": f"guard-{role}@example.com",
                                                                "password": TEST_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
    return clients


def outcome(client, method: str, url: str) -> str:
    response = client.open(url, method=method, data={} if method == "POST" else None)
    if response.status_code == 302 and "/account/sign-in" in response.headers["Location"]:
        return "sign in"
    return "forbidden" if response.status_code == 403 else "allowed"


def test_admin_routes_refuse_anonymous_visitors_learners_and_authors(guarded_app):
    routes = guarded_requests(guarded_app, "/admin")
    endpoints_seen = {url for _, url in routes}
    assert {"/admin/users", "/admin/users/1", "/admin/users/1/grant", "/admin/users/1/reset",
            "/admin/users/1/attempts/1"} <= endpoints_seen
    assert {"/admin/uploads/", "/admin/uploads/sample", "/admin/uploads/sample/sample"} <= endpoints_seen
    clients = visitors(guarded_app)
    wrong = []
    for method, url in routes:
        expected = {"anonymous": "sign in", "learner": "forbidden", "author": "forbidden", "admin": "allowed"}
        for who, want in expected.items():
            got = outcome(clients[who], method, url)
            if got != want:
                wrong.append(f"{who} {method} {url}: {got}, expected {want}")
    assert wrong == []


def test_author_routes_refuse_anonymous_visitors_and_learners(guarded_app):
    routes = guarded_requests(guarded_app, "/author")
    assert {("GET", "/author/content"), ("GET", "/author/modules/sample"), ("GET", "/author/exams/sample/preview"),
            ("GET", "/author/exams/sample/versions")} <= set(routes)
    clients = visitors(guarded_app)
    wrong = []
    for method, url in routes:
        expected = {"anonymous": "sign in", "learner": "forbidden", "author": "allowed", "admin": "allowed"}
        for who, want in expected.items():
            got = outcome(clients[who], method, url)
            if got != want:
                wrong.append(f"{who} {method} {url}: {got}, expected {want}")
    assert wrong == []
