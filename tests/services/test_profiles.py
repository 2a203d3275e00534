"""Agent profiles: every field rule, NPN rules and the registry check."""

from __future__ import annotations

import pytest

from lms.models import ProducerRecord
from lms.services import accounts
from lms.services.errors import FieldErrors
from lms.services.npn import npn_problem
from lms.services.profiles import ProfileInput, save_profile
from tests.support.apps import TEST_PASSWORD

GOOD = {"first_name": "Ana", "last_name": "Ruiz", "npn": "1234567", "resident_state": "TX",
            "sell_states": ["TX", "OK"], "phone": "(512) 555-0100"}


def new_user(uow, email="npn@example.com") -> int:
    return accounts.create_account(uow, email, TEST_PASSWORD).id


@pytest.mark.parametrize(("npn", "message"), [
    ("", "Enter your National Producer Number"),
    ("0123456", "never starts with 0"),
    ("12345678901", "at most 10 digits (this one has 11)"),
    ("12A4567", "digits only"),
    ("123 4567", "digits only"),
    ("١٢٣", "digits only"),  # Arabic-Indic digits are digits to Python, not to an NPN
])
def test_npn_rules(npn, message):
    assert message in npn_problem(npn)


@pytest.mark.parametrize("npn", ["1", "1234567890", "9"])
def test_valid_npn_shapes(npn):
    assert npn_problem(npn) is None


def test_another_accounts_npn_is_refused_with_a_clear_message(uow):
    save_profile(uow, new_user(uow, "first@example.com"), ProfileInput(**GOOD))
    with pytest.raises(FieldErrors) as error:
        save_profile(uow, new_user(uow, "second@example.com"), ProfileInput(**GOOD))
    assert "Another account already uses this NPN" in error.value.errors["npn"]


def test_every_problem_is_reported_at_once(uow):
    bad = ProfileInput(first_name=" ", last_name="", npn="0", resident_state="Atlantis", sell_states=["ZZ"],
                       phone="555")
    with pytest.raises(FieldErrors) as error:
        save_profile(uow, new_user(uow), bad)
    assert set(error.value.errors) == {"first_name", "last_name", "npn", "resident_state", "sell_states", "phone"}


def test_profile_is_normalised_and_saved(uow):
    profile = save_profile(uow, new_user(uow), ProfileInput(
        **{**GOOD, "resident_state": "texas", "sell_states": ["ok", "TX"], "phone": "1-512-555-0100"}))
    assert (profile.resident_state, profile.sell_states, profile.phone) == ("TX", "OK,TX", "(512) 555-0100")


@pytest.mark.parametrize(("record", "status"), [
    (None, "not_found"),
    ({"license_active": True, "health_authority": True}, "valid"),
    ({"license_active": False, "health_authority": True}, "inactive"),
    ({"license_active": True, "health_authority": False}, "no_health_authority"),
])
def test_npn_is_checked_against_the_registry(uow, record, status):
    if record:
        with uow.write() as session:
            session.add(ProducerRecord(npn="1234567", name="Ana Ruiz", resident_state="TX", **record))
    profile = save_profile(uow, new_user(uow), ProfileInput(**GOOD))
    assert profile.npn_status == status


def test_the_time_zone_is_kept_when_zoneinfo_knows_it(uow):
    user_id = new_user(uow)
    assert save_profile(uow, user_id, ProfileInput(**GOOD, time_zone=" America/Denver ")).time_zone == "America/Denver"
    assert save_profile(uow, user_id, ProfileInput(**GOOD, time_zone="")).time_zone is None  # not chosen: UTC


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "america/denver", "EST5EDT", "Etc/GMT+5"])
def test_an_unknown_time_zone_is_refused_with_the_other_problems(uow, zone):
    with pytest.raises(FieldErrors) as error:
        save_profile(uow, new_user(uow), ProfileInput(**{**GOOD, "phone": "12"}, time_zone=zone))
    assert error.value.errors == {"phone": error.value.errors["phone"], "time_zone": "Choose a time zone from the list."}
