"""The Registration Tracker shows the right status for agents at each step."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from lms.models import AgentProfile, ProducerRecord, User
from lms.services import acceptances, accounts, agreements, audit, certificates, people, profiles
from lms.services.errors import FieldErrors, RuleError
from lms.services.profiles import ProfileInput, save_profile
from lms.services.registration import registration_status
from tests.support.apps import TEST_PASSWORD

NOW = dt.datetime(2021, 9, 15, 12, 0, tzinfo=dt.UTC)
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
    assert [step.key for step in status.steps] == ["profile", "identity", "confirm", "training",
                                                   "agreements-individual", "agreements-shop", "certificate", "rcl"]
    assert status.step("agreements-shop").status == "optional"  # SHOP-only agents exist; others skip it


def test_action_needed_says_why(uow, catalog):
    _, status = statuses(uow, catalog, make_agent(uow, "unknown-npn"))
    assert "Not found" in status.step("profile").detail


def test_identity_attestation_is_audited_and_once_only(uow, catalog):
    user = make_agent(uow, "verified")
    assert [e.action for e in audit.entries_for(uow.session, user.id)][:1] == ["identity.attested"]
    with pytest.raises(RuleError, match="already verified"):
        people.attest_identity(uow, user.id, user.id)


def test_a_carried_over_profile_needs_confirming_for_the_new_plan_year(uow, catalog):
    from lms.services.profiles import confirm_profile

    program = catalog.programs["py2022"]
    user = make_agent(uow, "valid")  # saved without a plan year: as a profile from an earlier year
    found, _ = statuses(uow, catalog, user)
    assert found["confirm"] == "not_started"
    confirm_profile(uow, catalog, program, user.id, dt.datetime(2021, 9, 1, tzinfo=dt.UTC))
    found, status = statuses(uow, catalog, user)
    assert found["confirm"] == "complete" and "September 1, 2021" in status.step("confirm").detail


def test_shop_only_agents_register_for_shop_without_the_marketplace_training(uow, catalog):
    program = catalog.programs["py2022"]
    user = make_agent(uow, "verified")
    profiles.confirm_profile(uow, catalog, program, user.id, NOW)
    agreements.accept(uow, catalog, program, user.id, "py2022/shop", agreed=True, typed_name="Ana Ruiz",
                      ip_address="203.0.113.9", user_agent="test", now=NOW)
    _, status = statuses(uow, catalog, user)
    assert status.registration("shop").complete and status.registration("shop").listed
    assert not status.registration("individual").complete  # no training, no individual agreement
    [certificate] = certificates.for_user(uow.session, user.id, "py2022")
    assert certificate.registration_key == "shop" and certificates.CODE.match(certificate.code)


def test_the_acceptance_keeps_the_text_and_its_hash_and_a_new_version_asks_again(uow, catalog):
    import dataclasses

    program = catalog.programs["py2022"]
    user = make_agent(uow, "valid")
    general = catalog.agreements["py2022/general"]
    with pytest.raises(FieldErrors) as error:
        agreements.accept(uow, catalog, program, user.id, general.key, agreed=False, typed_name="Ben Cole",
                          ip_address="198.51.100.2", user_agent="UA", now=NOW)
    assert set(error.value.errors) == {"agree", "full_name"} and "Ana Ruiz" in error.value.errors["full_name"]
    accepted = agreements.accept(uow, catalog, program, user.id, general.key, agreed=True, typed_name="ana ruiz",
                                 ip_address="198.51.100.2", user_agent="UA", now=NOW)
    assert accepted.text_html == general.html and acceptances.verified(accepted)
    assert accepted.text_sha256 == hashlib.sha256(general.html.encode()).hexdigest()
    assert (accepted.version, accepted.ip_address, accepted.user_agent, accepted.typed_name) == (
        general.version, "198.51.100.2", "UA", "ana ruiz")
    again = agreements.accept(uow, catalog, program, user.id, general.key, agreed=True, typed_name="Ana Ruiz",
                              ip_address="x", user_agent="y", now=NOW)
    assert again.id == accepted.id  # accepting the same version twice records it once
    revised = dataclasses.replace(general, version="2022.2", html=general.html + "<p>New clause.</p>")
    state = acceptances.state(uow.session, user.id, revised)
    assert state.needs_acceptance and state.earlier.version == general.version
    with pytest.raises(DBAPIError, match="append-only"), uow.write() as session:
        session.execute(text("UPDATE agreement_acceptances SET typed_name = 'someone else'"))


def test_completion_is_written_once_under_many_parallel_requests(db_url, tmp_path, catalog):
    from lms.db import Database
    from lms.models import Certificate, RegistrationCompletion
    from tests.support.live import run_together

    database = Database(db_url)
    program = catalog.programs["py2022"]
    with database.unit_of_work() as uow:
        user = make_agent(uow, "verified")
        profiles.confirm_profile(uow, catalog, program, user.id, NOW)
        user_id = user.id

    def accept_shop():
        with database.unit_of_work() as uow:
            agreements.accept(uow, catalog, program, user_id, "py2022/shop", agreed=True, typed_name="Ana Ruiz",
                              ip_address="203.0.113.9", user_agent="test", now=NOW)

    run_together([accept_shop] * 20)
    with database.reading() as session:
        assert session.query(RegistrationCompletion).count() == 1
        assert session.query(Certificate).count() == 1
    database.dispose()
