"""Schemathesis checks every API operation against the OpenAPI document the app serves (in-process, no network).

It sends valid and invalid filters, pages and methods, with an admin's token and without, and
fails on a server error, an undocumented status or content type, or a body that breaks its schema.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

from lms import events
from lms.models import AgentProfile, Attempt, ExamVersion, RegistrationCompletion, User
from lms.services import api_tokens
from tests.support.apps import make_app

AT = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
EXAM = "py2030/core/rules"


def seed(app) -> str:
    """A few rows of every kind (nulls included), and an admin's token."""
    with app.extensions["lms.db"].unit_of_work() as uow:
        with uow.write() as session:
            admin = User(email="boss@example.com", password_hash="-", role="admin")
            agents = [User(email=f"agent{n}@example.com", password_hash="-") for n in range(3)]
            session.add_all([admin, *agents])
            session.add(ExamVersion(content_hash="b" * 64, exam_key=EXAM, snapshot={}))
            session.flush()
            session.add(AgentProfile(user_id=agents[0].id, first_name="Ann", last_name="Lee", npn="1234567",
                                     npn_status="valid", resident_state="AZ", sell_states="AZ,NM"))
            session.add_all([Attempt(user_id=agent.id, exam_key=EXAM, number=1, content_hash="b" * 64, seed=7,
                                     status="submitted" if n else "in_progress", started_at=AT,
                                     submitted_at=AT if n else None, percent=80.0 if n else None,
                                     passed=True if n else None) for n, agent in enumerate(agents)])
            session.add(RegistrationCompletion(user_id=agents[0].id, program_key="py2030",
                                               registration_key="individual", npn="1234567", completed_at=AT))
            session.add(RegistrationCompletion(user_id=agents[1].id, program_key="py2030", registration_key="shop",
                                               completed_at=AT, lapsed_at=AT, lapse_reason="New agreement"))
            events.emit(session, "identity.attested", actor_id=admin.id, subject_user_id=agents[0].id,
                        reason="Checked")
            admin_id = admin.id
        return api_tokens.create(uow, admin_id, "Schemathesis", AT).secret


@pytest.fixture
def api_app(tmp_path, monkeypatch, sqlite_url, player_root):
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01",
                   RATELIMIT_STORAGE_URI="memory://")
    app.config["API_TEST_TOKEN"] = seed(app)
    yield app
    app.extensions["lms.db"].dispose()


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert sorted(operation.path for operation in found) == [
        "/api/v1/audit-log", "/api/v1/completions", "/api/v1/people", "/api/v1/scores"]  # not the document itself
    return found


def token_header(app) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.config['API_TEST_TOKEN']}"}


def test_whole_rows_and_cursors_keep_to_the_document(api_app):
    """Unfiltered first pages of one row: every field of a real row, and a next_cursor, checked against the schema."""
    for operation in operations(api_app):
        response = operation.Case(headers=token_header(api_app), query={"limit": 1}).call_and_validate()
        assert len(response.json()["data"]) == 1 and response.json()["next_cursor"], operation.path


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_every_operation_keeps_to_its_openapi_document(api_app, mode):
    # Schemathesis's lazy pytest fixture does not run under pytest 9.2 yet, so each operation's cases are drawn here.
    headers = token_header(api_app)
    for operation in operations(api_app):
        @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
        @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate()

        check()
