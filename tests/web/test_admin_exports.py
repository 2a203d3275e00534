"""The exports page, its streamed CSV downloads, and the API token page (shown once, revocable)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from lms.models import ApiToken, AuditEntry
from lms.services import accounts, exams
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter
from tests.support.web import csrf_token, sign_in

NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
EXAM = "py2030/core/rules"


def make_account(app, email: str, role: str = "learner") -> int:
    with app.extensions["lms.db"].unit_of_work() as uow:
        return accounts.create_account(uow, email, TEST_PASSWORD, role=role).id


@pytest.fixture
def admin(player_app):
    client = player_app.test_client()
    client.user_id = make_account(player_app, "boss@example.com", "admin")
    sign_in(client, "boss@example.com")
    return client


@pytest.fixture
def agent_id(player_app):
    """An agent who passed the rules exam on the first attempt."""
    user_id = make_account(player_app, "agent@example.com")
    catalog = player_app.extensions["lms.catalog"].catalog
    with player_app.extensions["lms.db"].unit_of_work() as uow:
        attempt = exams.start_attempt(uow, catalog, catalog.exams[EXAM], user_id, NOW)
        version, layout = exams.attempt_exam(uow.session, attempt)
        exams.submit_attempt(uow, catalog, attempt.id, user_id, getter(answer_values(version, layout, True)), NOW)
    return user_id


def download(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.is_streamed and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_admin_index_leads_to_exports_and_tokens(admin):
    index = admin.get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/admin/exports"' in index and 'href="/admin/api-tokens"' in index
    page = admin.get("/admin/exports").get_data(as_text=True)
    for name in ("people", "scores", "completions", "audit-log"):
        assert f'action="/admin/exports/{name}.csv"' in page
    assert 'href="/admin/api-tokens"' in page and 'href="/api/v1/openapi.json"' in page


def test_people_csv_lists_agents_with_their_registration(admin, agent_id):
    rows = download(admin, "/admin/exports/people.csv?role=learner&npn=&q=")
    [row] = rows
    assert list(row)[:3] == ["user_id", "email", "role"] and "registration_individual" in row
    assert (row["user_id"], row["email"], row["role"], row["registration_individual"]) == (
        str(agent_id), "agent@example.com", "learner", "incomplete")
    assert [r["email"] for r in download(admin, "/admin/exports/people.csv?role=admin")] == ["boss@example.com"]


def test_scores_csv_has_each_attempt_with_its_score(admin, agent_id):
    [row] = download(admin, f"/admin/exports/scores.csv?exam={EXAM}&status=submitted")
    assert (row["user_id"], row["exam"], row["exam_title"], row["attempt"], row["percent"], row["passed"],
            row["status"]) == (str(agent_id), EXAM, "Rules exam", "1", "100.00", "yes", "submitted")
    assert download(admin, "/admin/exports/scores.csv?status=in_progress") == []


def test_completions_csv_has_its_header_even_when_empty(admin):
    response = admin.get("/admin/exports/completions.csv")
    assert response.is_streamed
    assert response.get_data(as_text=True).splitlines() == [
        "completion_id,user_id,email,first_name,last_name,npn,program,registration,completed_at,lapsed_at,"
        "lapse_reason,certificate_code,certificate_revoked_at"]


def test_audit_log_csv_names_who_did_what(admin, agent_id):
    rows = download(admin, f"/admin/exports/audit-log.csv?subject_user_id={agent_id}&action=attempt.scored")
    [row] = rows
    assert (row["action"], row["subject_email"], row["actor_email"]) == ("attempt.scored", "agent@example.com",
                                                                         "agent@example.com")
    assert '"exam"' in row["details"]


def test_a_filter_the_form_does_not_offer_gets_400_and_an_unknown_export_404(admin):
    response = admin.get("/admin/exports/scores.csv?status=whatever")
    assert response.status_code == 400 and "status must be one of" in response.get_data(as_text=True)
    assert admin.get("/admin/exports/secrets.csv").status_code == 404


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(player_app, admin):
    response = admin.post("/admin/api-tokens", data={"name": "Warehouse", "csrf_token": csrf_token(
        admin, "/admin/api-tokens")})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = re.search(r'value="(lms_[A-Za-z0-9_-]+)"', page).group(1)
    assert "not shown again" in page and f"Bearer {secret}" in page
    again = admin.get("/admin/api-tokens").get_data(as_text=True)
    assert secret not in again and "Warehouse" in again and secret[:12] in again
    with player_app.extensions["lms.db"].reading() as session:
        assert secret not in str([(t.name, t.prefix, t.secret_sha256) for t in session.scalars(select(ApiToken))])
    assert player_app.test_client().get("/api/v1/scores", headers={"Authorization": f"Bearer {secret}"}).is_json


def test_revoking_a_token_from_the_page_shuts_the_api_to_it(player_app, admin):
    admin.post("/admin/api-tokens", data={"name": "Old script", "csrf_token": csrf_token(admin, "/admin/api-tokens")})
    with player_app.extensions["lms.db"].reading() as session:
        token_id = session.scalar(select(ApiToken.id))
    page = admin.get("/admin/api-tokens").get_data(as_text=True)
    assert f'action="/admin/api-tokens/{token_id}/revoke"' in page
    response = admin.post(f"/admin/api-tokens/{token_id}/revoke",
                          data={"csrf_token": csrf_token(admin, "/admin/api-tokens")}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "“Old script” is revoked" in text and "Revoked" in text and "by boss@example.com" in text
    with player_app.extensions["lms.db"].reading() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("api_token.%"))
                                       .order_by(AuditEntry.id)))
    assert actions == ["api_token.created", "api_token.revoked"]


def test_token_forms_need_their_csrf_token(admin):
    assert admin.post("/admin/api-tokens", data={"name": "Forged"}).status_code == 400
    assert "Forged" not in admin.get("/admin/api-tokens").get_data(as_text=True)


def test_a_token_without_a_name_is_refused_with_a_message(admin):
    response = admin.post("/admin/api-tokens", data={"name": " ", "csrf_token": csrf_token(admin, "/admin/api-tokens")},
                          follow_redirects=True)
    assert "Name the token" in response.get_data(as_text=True)
