"""Hostile input to every route in the app's URL map gets a 4xx with a page, never a 5xx.

Each route is called with each bad value in each of its URL parts, in its query string and in a
form body, by an anonymous visitor, a learner and an admin, on SQLite and PostgreSQL. CSRF is off
here so that the views themselves, not the CSRF check, meet the input.
"""

from __future__ import annotations

import itertools
from urllib.parse import quote

import pytest

from lms.services import accounts
from tests.support.apps import TEST_PASSWORD, make_app

BAD = [
    "9" * 30,                 # beyond every integer column
    "-1", "0",
    "\x00", "a\x00b",         # NUL
    "x\r\nSet-Cookie: a=b",   # CR/LF
    "x" * 5000,               # overlong
    "../../../etc/passwd",
    "%ff%fe%fd",              # invalid UTF-8 once decoded (sent raw below)
    "💥",
]
FIELDS = ["email", "password", "confirm", "q", "role", "program", "track", "npn", "first_name", "resident_state",
          "sell_states", "phone", "opened", "new_password", "current_password", "next", "reason"]


def urls_for(rule, value: str) -> list[str]:
    """The rule's URL with the bad value in each argument in turn (the others a plain valid-looking one)."""
    if not rule.arguments:
        return [rule.rule]
    found = []
    for argument in sorted(rule.arguments):
        parts = {name: ("1" if name != argument else value) for name in rule.arguments}
        url = rule.rule
        for name, part in parts.items():
            encoded = part if part.startswith("%") else quote(part, safe="")
            url = url.replace(f"<{name}>", encoded)
            for converter in ("int", "id", "path"):
                url = url.replace(f"<{converter}:{name}>", encoded)
        found.append(url)
    return found


def sign_in(client, email: str) -> None:
    response = client.post("/account/sign-in", data={"email": email, "password": TEST_PASSWORD})  # CSRF is off
    assert response.status_code == 302


@pytest.fixture
def corpus_app(tmp_path, monkeypatch, db_url, player_root):
    app = make_app(tmp_path, monkeypatch, db_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01",
                   WTF_CSRF_ENABLED=False)
    yield app
    app.extensions["lms.db"].dispose()


def test_no_route_answers_bad_input_with_a_server_error(corpus_app):
    app = corpus_app
    with app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, "corpus-learner@example.com", TEST_PASSWORD)
        accounts.create_account(uow, "corpus-admin@example.com", TEST_PASSWORD, role="admin")
    visitors = {"anonymous": app.test_client(), "learner": app.test_client(), "admin": app.test_client()}
    sign_in(visitors["learner"], "corpus-learner@example.com")
    sign_in(visitors["admin"], "corpus-admin@example.com")
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in ("static", "auth.sign_out",
                                                                                "auth.sign_out_everywhere")]
    failures, tried = [], 0
    for rule, value, (who, client) in itertools.product(rules, BAD, visitors.items()):
        for url in urls_for(rule, value):
            for method in sorted(rule.methods & {"GET", "POST"}):
                query = "q=" + ("%ff%fe" if value.startswith("%") else quote(value, safe="")) + "&next=" + \
                        quote(value, safe="")
                form = dict.fromkeys(FIELDS, value)
                response = client.open(f"{url}?{query}", method=method, data=form if method == "POST" else None)
                tried += 1
                if response.status_code >= 500:
                    failures.append(f"{who} {method} {url[:80]} -> {response.status_code}")
    assert tried > 1000
    assert failures == [], f"{len(failures)} of {tried}: " + "; ".join(failures[:20])


@pytest.mark.parametrize("path", ["/attempts/99999999999999999999", "/attempts/-1", "/attempts/0",
                                  "/attempts/2147483648/review", "/admin/users/99999999999999999999"])
def test_ids_out_of_range_are_not_found(corpus_app, path):
    client = corpus_app.test_client()
    with corpus_app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, "range@example.com", TEST_PASSWORD, role="admin")
    sign_in(client, "range@example.com")
    assert client.get(path).status_code == 404
