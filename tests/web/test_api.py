"""The JSON API: an admin's working token opens it and nothing else does; pages follow the cursor."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.config import PROJECT_ROOT
from lms.services import accounts, api_tokens
from tests.support.apps import TEST_PASSWORD
from tests.support.web import sign_in

NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)


def account(app, email: str, role: str = "learner") -> int:
    with app.extensions["lms.db"].unit_of_work() as uow:
        return accounts.create_account(uow, email, TEST_PASSWORD, role=role).id


def new_token(app, admin_id: int, name: str = "Reports") -> api_tokens.NewToken:
    with app.extensions["lms.db"].unit_of_work() as uow:
        return api_tokens.create(uow, admin_id, name, NOW)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def admin_id(player_app):
    return account(player_app, "boss@example.com", "admin")


@pytest.fixture
def token(player_app, admin_id):
    return new_token(player_app, admin_id).secret


def data_routes(app) -> list[str]:
    """Every API address that serves data (all but the public OpenAPI document), found in the URL map."""
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_document")


def refused(response) -> bool:
    return (response.status_code == 401 and response.is_json and response.json["error"] == "unauthorized"
            and response.headers["WWW-Authenticate"].startswith("Bearer"))


def test_every_data_route_needs_a_working_admin_token(player_app, admin_id, token):
    routes = data_routes(player_app)
    assert routes == ["/api/v1/audit-log", "/api/v1/completions", "/api/v1/people", "/api/v1/scores"]
    client = player_app.test_client()
    revoked = new_token(player_app, admin_id, "Old")
    with player_app.extensions["lms.db"].unit_of_work() as uow:
        api_tokens.revoke(uow, revoked.id, admin_id, NOW)
    demoted_id = account(player_app, "former@example.com", "admin")
    demoted = new_token(player_app, demoted_id, "Former admin's").secret
    with player_app.extensions["lms.db"].unit_of_work() as uow:
        accounts.set_role(uow, demoted_id, "learner", admin_id)
    wrong = []
    for url in routes:
        for who, headers in {"nobody": {}, "a revoked token": bearer(revoked.secret),
                             "a demoted admin's token": bearer(demoted), "a made-up token": bearer("lms_" + "x" * 43),
                             "the token as Basic": {"Authorization": f"Basic {token}"},
                             "the token without a scheme": {"Authorization": token}}.items():
            if not refused(client.get(url, headers=headers)):
                wrong.append(f"{who} got into {url}")
        response = client.get(url, headers=bearer(token))
        if response.status_code != 200 or response.headers["Cache-Control"] != "no-store":
            wrong.append(f"the admin's token got {response.status_code} from {url}")
    assert wrong == []


def test_a_signed_in_admins_cookie_opens_nothing(player_app, admin_id, token):
    browser = player_app.test_client()
    sign_in(browser, "boss@example.com")
    assert browser.get("/admin/exports").status_code == 200  # the cookie is a working admin session
    for url in data_routes(player_app):
        assert refused(browser.get(url)), url
        assert browser.get(url, headers=bearer(token)).status_code == 200


def test_learners_and_authors_cannot_make_tokens_to_get_in(player_app):
    for role in ("learner", "author"):
        client = player_app.test_client()
        account(player_app, f"{role}@example.com", role)
        sign_in(client, f"{role}@example.com")
        assert client.get("/admin/api-tokens").status_code == 403
        assert client.post("/admin/api-tokens", data={"name": "Mine"}).status_code in (400, 403)


def test_people_come_page_by_page_with_no_duplicates_or_gaps(player_app, admin_id, token):
    for number in range(7):
        account(player_app, f"agent{number}@example.com")
    client = player_app.test_client()
    seen, cursor, pages = [], None, 0
    while True:
        response = client.get("/api/v1/people", query_string={"limit": 3, **({"cursor": cursor} if cursor else {})},
                              headers=bearer(token))
        assert response.status_code == 200 and response.mimetype == "application/json"
        body = response.json
        assert set(body) == {"data", "next_cursor"} and len(body["data"]) <= 3
        seen += [row["email"] for row in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == [f"agent{number}@example.com" for number in range(7)]
    everyone = client.get("/api/v1/people?role=all&limit=1000", headers=bearer(token)).json
    assert everyone["next_cursor"] is None and len(everyone["data"]) == 8
    row = client.get("/api/v1/people?role=admin", headers=bearer(token)).json["data"][0]
    assert (row["user_id"], row["email"], row["role"], row["registration_individual"], row["sell_states"]) == (
        admin_id, "boss@example.com", "admin", "incomplete", [])


def test_the_audit_log_shows_who_made_the_token(player_app, admin_id, token):
    client = player_app.test_client()
    body = client.get("/api/v1/audit-log?action=api_token.created", headers=bearer(token)).json
    [entry] = body["data"]
    assert (entry["actor_email"], entry["details"]["token_name"], entry["details"]["prefix"]) == (
        "boss@example.com", "Reports", token[:12])
    assert token not in str(body)


@pytest.mark.parametrize(("query", "words"), [
    ("limit=0", "limit must be a whole number"), ("limit=abc", "limit must be a whole number"),
    ("cursor=-5", "cursor must be a whole number"), ("status=done", "status must be one of"),
    ("user_id=0", "user_id must be a whole number"), ("status=submitted&status=in_progress", "at most once")])
def test_a_bad_filter_or_page_gets_400_json_saying_why(player_app, token, query, words):
    response = player_app.test_client().get(f"/api/v1/scores?{query}", headers=bearer(token))
    assert response.status_code == 400 and response.json["error"] == "bad_request"
    assert words in response.json["message"]


def test_errors_under_the_api_are_json(player_app, token):
    client = player_app.test_client()
    missing = client.get("/api/v1/nothing-here", headers=bearer(token))
    assert missing.status_code == 404 and missing.is_json
    posted = client.post("/api/v1/people", headers=bearer(token))
    assert posted.status_code == 405 and posted.is_json and "GET" in posted.headers["Allow"]
    nul = client.get("/api/v1/people?q=%00", headers=bearer(token))
    assert nul.status_code == 400 and nul.is_json


def test_guessing_tokens_is_throttled_per_address(player_app, token):
    client = player_app.test_client()
    for _ in range(60):
        assert client.get("/api/v1/people", headers=bearer("lms_guess")).status_code == 401
    throttled = client.get("/api/v1/people", headers=bearer("lms_guess"))
    assert throttled.status_code == 429 and throttled.is_json
    # Working requests give their count back, so busy scripts with a real token are never throttled.
    other = {"REMOTE_ADDR": "10.0.0.9"}
    for _ in range(70):
        assert client.get("/api/v1/audit-log?limit=1", headers=bearer(token), environ_base=other).status_code == 200


def test_the_openapi_document_is_public_and_describes_every_route(player_app):
    response = player_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.json
    assert document["openapi"] == "3.1.0"
    api_rules = sorted(rule.rule for rule in player_app.url_map.iter_rules() if rule.rule.startswith("/api/"))
    assert sorted(document["paths"]) == api_rules
    people = document["paths"]["/api/v1/people"]["get"]
    assert {param["name"] for param in people["parameters"]} == {
        "role", "q", "npn", "identity", "training", "registration", "limit", "cursor"}
    registration = next(p for p in people["parameters"] if p["name"] == "registration")
    assert "individual:complete" in registration["schema"]["enum"]  # the current program's registrations
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_docs_name_every_list_filter_and_field(player_app):
    guide = (PROJECT_ROOT / "docs" / "api.md").read_text()
    document = player_app.test_client().get("/api/v1/openapi.json").json
    for path, operations in document["paths"].items():
        assert f"`GET {path}`" in guide or path.endswith("openapi.json") and f"`{path}`" in guide, path
        for param in operations["get"].get("parameters", []):
            assert f"`{param['name']}`" in guide, (path, param["name"])
    for name, schema in document["components"]["schemas"].items():
        for field in schema.get("properties", {}):
            assert f"`{field}`" in guide or field.startswith("registration_"), (name, field)
