"""The Registration Tracker shows the right status for agents at each step."""

from __future__ import annotations

import pytest

from lms.models import AgentProfile, ProducerRecord, User
from lms.services import accounts, audit, people
from lms.services.errors import RuleError
from lms.services.profiles import ProfileInput, save_profile
from lms.services.registration import registration_status
from tests.support.apps import TEST_PASSWORD

PROFILE = ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100")


def statuses(uow, catalog, user):
    status = registration_status(uow.session, catalog, user, catalog.programs["py2022"])
    return {step.key: step.status for step in status.steps}, status


def make_agent(uow, stage: str) -> User:
    """A fixture agent who has reached `stage`."""
    user_id = accounts.create_account(uow, f"{stage}@example.com", TEST_PASSWORD).id
    if stage == "partial":
        save_profile(uow, user_id, PROFILE)
        with uow.write() as session:
            session.get(AgentProfile, user_id).phone = ""
    elif stage != "new":
        if stage in ("valid", "verified"):
            with uow.write() as session:
                session.add(ProducerRecord(npn="1234567", name="Ana Ruiz", resident_state="TX", license_active=True,
                                           health_authority=True))
        save_profile(uow, user_id, PROFILE)
    if stage == "verified":
        admin = accounts.create_account(uow, "admin@example.com", TEST_PASSWORD, role="admin")
        people.attest_identity(uow, user_id, admin.id)
    return uow.session.get(User, user_id)


@pytest.mark.parametrize(("stage", "profile", "identity"), [
    ("new", "not_started", "not_started"),
    ("partial", "in_progress", "not_started"),
    ("unknown-npn", "action_needed", "not_started"),
    ("valid", "complete", "not_started"),
    ("verified", "complete", "complete"),
])
def test_tracker_status_at_each_step(uow, catalog, stage, profile, identity):
    found, status = statuses(uow, catalog, make_agent(uow, stage))
    assert (found["profile"], found["identity"]) == (profile, identity)
    assert not status.complete
    assert [step.key for step in status.steps] == ["profile", "identity", "training", "agreements", "certificate",
                                                   "rcl"]


def test_action_needed_says_why(uow, catalog):
    _, status = statuses(uow, catalog, make_agent(uow, "unknown-npn"))
    assert "Not found" in status.step("profile").detail


def test_identity_attestation_is_audited_and_once_only(uow, catalog):
    user = make_agent(uow, "verified")
    assert [e.action for e in audit.entries_for(uow.session, user.id)][:1] == ["identity.attested"]
    with pytest.raises(RuleError, match="already verified"):
        people.attest_identity(uow, user.id, user.id)
