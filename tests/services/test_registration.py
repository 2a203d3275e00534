"""The Registration Tracker shows the right status for agents at each step."""

from __future__ import annotations

import pytest

from lms.models import ProducerRecord
from lms.services import accounts, people
from lms.services.profiles import ProfileInput, save_profile
from lms.services.registration import registration_status
from tests.conftest import TEST_PASSWORD

PROFILE = ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100")


def statuses(session, catalog, user):
    status = registration_status(session, catalog, user, catalog.programs["py2022"])
    return {step.key: step.status for step in status.steps}, status


@pytest.fixture
def session(database):
    with database.writing() as session:
        yield session


def make_agent(session, stage: str):
    """A fixture agent who has reached `stage`."""
    user = accounts.sign_up(session, f"{stage}@example.com", TEST_PASSWORD)
    session.flush()
    if stage == "new":
        return user
    if stage == "partial":
        profile = save_profile(session, user, PROFILE)
        profile.phone = ""
        return user
    if stage in ("valid", "verified"):
        session.add(ProducerRecord(npn="1234567", name="Ana Ruiz", resident_state="TX", license_active=True,
                                   health_authority=True))
    save_profile(session, user, PROFILE)
    if stage == "verified":
        admin = accounts.sign_up(session, "admin@example.com", TEST_PASSWORD, role="admin")
        session.flush()
        people.attest_identity(session, user, admin)
    return user


@pytest.mark.parametrize(("stage", "profile", "identity"), [
    ("new", "not_started", "not_started"),
    ("partial", "in_progress", "not_started"),
    ("unknown-npn", "action_needed", "not_started"),
    ("valid", "complete", "not_started"),
    ("verified", "complete", "complete"),
])
def test_tracker_status_at_each_step(session, catalog, stage, profile, identity):
    found, status = statuses(session, catalog, make_agent(session, stage))
    assert (found["profile"], found["identity"]) == (profile, identity)
    assert not status.complete
    assert [step.key for step in status.steps] == ["profile", "identity", "training", "agreements", "certificate",
                                                   "rcl"]


def test_action_needed_says_why(session, catalog):
    _, status = statuses(session, catalog, make_agent(session, "unknown-npn"))
    assert "Not found" in status.step("profile").detail


def test_identity_attestation_is_audited_and_once_only(session, catalog):
    from lms.services import audit
    from lms.services.errors import RuleError

    user = make_agent(session, "verified")
    session.flush()
    assert [e.action for e in audit.entries_for(session, user.id)] == ["identity.attested"]
    with pytest.raises(RuleError, match="already verified"):
        people.attest_identity(session, user, user)
