"""Track completion, unlock conditions and the tracker's training step."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from lms.models import ProducerRecord, RegistrationCompletion, TrackCompletion, User
from lms.services import accounts, agreements, exams, people, player, progress, registration, registry, training, unlock
from lms.services.profiles import ProfileInput, save_profile
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()

NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def user(uow):
    """The learner as the read session sees them (fresh after every write)."""
    return uow.session.get(User, accounts.create_account(uow, "learner@example.com", TEST_PASSWORD).id)


def pass_exam(uow, exam, user_id, right=True):
    attempt = exams.start_attempt(uow, CATALOG, exam, user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    return exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, right)), NOW)


def finish_core(uow, catalog, user):
    for key in ("py2030/core/intro", "py2030/core/rules"):
        training.complete_module(uow, CATALOG, user.id, key, NOW - dt.timedelta(minutes=3), NOW)
    pass_exam(uow, catalog.exams["py2030/core/rules"], user.id)


def test_track_completes_when_every_module_is_read_and_every_exam_passed(uow, player_catalog, user):
    track = player_catalog.tracks["py2030/core"]
    state = progress.track_progress(uow.session, player_catalog, user.id, track)
    assert (state.modules_done, state.exams_passed, state.complete, state.next_step.module.slug) == (0, 0, False, "intro")
    training.complete_module(uow, CATALOG, user.id, "py2030/core/intro", None, NOW)
    training.complete_module(uow, CATALOG, user.id, "py2030/core/rules", None, NOW)
    state = progress.track_progress(uow.session, player_catalog, user.id, track)
    assert (state.modules_done, state.complete, state.next_step.module.slug) == (2, False, "rules")
    pass_exam(uow, player_catalog.exams["py2030/core/rules"], user.id, right=False)
    assert not progress.track_progress(uow.session, player_catalog, user.id, track).complete
    pass_exam(uow, player_catalog.exams["py2030/core/rules"], user.id)
    state = progress.track_progress(uow.session, player_catalog, user.id, track)
    assert state.complete and state.next_step is None and state.exams_passed == 1


def test_reading_the_last_module_after_the_exam_passed_records_the_track_once(uow, player_catalog, user):
    """The module finished in the same transaction counts: the track is complete at that moment."""
    training.complete_module(uow, CATALOG, user.id, "py2030/core/rules", None, NOW)
    pass_exam(uow, player_catalog.exams["py2030/core/rules"], user.id)
    recorded = select(TrackCompletion.track_key).where(TrackCompletion.user_id == user.id)
    assert list(uow.session.scalars(recorded)) == []  # the introduction is still unread
    training.complete_module(uow, CATALOG, user.id, "py2030/core/intro", None, NOW + dt.timedelta(minutes=5))
    training.complete_module(uow, CATALOG, user.id, "py2030/core/intro", None, NOW + dt.timedelta(minutes=6))
    uow.end_reads()
    assert list(uow.session.scalars(recorded)) == ["py2030/core"]


def test_completed_condition_unlocks_after_the_track(uow, player_catalog, user):
    program, extra = player_catalog.programs["py2030"], player_catalog.tracks["py2030/extra"]
    state = unlock.track_unlock(uow.session, player_catalog, user, program, extra)
    assert not state.unlocked and state.reason == "Unlocks when you complete Core Marketplace Training."
    finish_core(uow, player_catalog, user)
    assert unlock.track_unlock(uow.session, player_catalog, user, program, extra).unlocked


def test_accepted_condition_holds_once_the_agreement_is_accepted(uow, player_catalog, user):
    program, shop = player_catalog.programs["py2030"], player_catalog.tracks["py2030/shop"]
    state = unlock.track_unlock(uow.session, player_catalog, user, program, shop)
    assert state.reason == "Unlocks when you accept the SHOP Agreement."
    save_profile(uow, user.id, ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100"))
    agreements.accept(uow, player_catalog, program, user.id, "py2030/shop", agreed=True, typed_name="ana ruiz",
                      ip_address="203.0.113.5", user_agent="test", now=NOW)
    assert unlock.track_unlock(uow.session, player_catalog, user, program, shop).unlocked


def test_tracker_training_step_follows_progress(uow, player_catalog, user):
    program = player_catalog.programs["py2030"]

    def step():
        return registration.registration_status(uow.session, player_catalog, user, program).step("training")

    assert (step().status, step().target) == ("not_started", "py2030/core")
    training.complete_module(uow, CATALOG, user.id, "py2030/core/intro", None, NOW)
    assert step().status == "in_progress" and "1 of 2 modules read" in step().detail
    for _ in range(3):
        pass_exam(uow, player_catalog.exams["py2030/core/rules"], user.id, right=False)
    assert step().status == "action_needed" and "Contact an administrator" in step().detail
    exams.grant_attempt(uow, player_catalog.exams["py2030/core/rules"], user.id, None, reason="network failure")
    finish_core(uow, player_catalog, user)
    assert step().status == "complete"


def test_returning_track_satisfies_the_training_requirement(uow, player_catalog, user):
    program = player_catalog.programs["py2030"]
    save_profile(uow, user.id, ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100"))
    with uow.write() as session:
        session.add(RegistrationCompletion(user_id=user.id, program_key="py2029", npn="1234567"))
    training.complete_module(uow, CATALOG, user.id, "py2030/returning/refresh", None, NOW)
    pass_exam(uow, player_catalog.exams["py2030/returning/refresh"], user.id)
    assert registration.requirement_met(uow.session, player_catalog, user, program, "marketplace-training")
    assert registration.registration_status(uow.session, player_catalog, user, program).step("training").status == \
        "complete"


def as_the_tracker_has_it(uow, catalog, user, program):
    """The registration status, checking that each registration asked about alone (as the unlock condition
    of Help On Demand asks, on every request to its pages) is complete exactly when the tracker says so."""
    status = registration.registration_status(uow.session, catalog, user, program)
    for key in ("individual", "shop", "complete", "no-such-registration"):
        state = status.registration(key)
        assert registration.registration_complete(uow.session, catalog, user, program, key) == (
            state is not None and state.complete), key
    hod = unlock.track_unlock(uow.session, catalog, user, program, catalog.tracks["py2030/hod"])
    assert hod.unlocked == status.registration("individual").complete
    return status


def valid_npn_and_identity(uow, catalog, user, program):
    """The registration's first steps done: a profile whose NPN the registry knows, identity verified."""
    with uow.write() as session:
        session.add(ProducerRecord(npn="1234567", name="Ana", resident_state="TX", license_active=True,
                                   health_authority=True))
    save_profile(uow, user.id, ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100"),
                 catalog, program)
    people.attest_identity(uow, user.id, user.id, catalog, program)


def test_registration_completes_with_its_agreement_then_lapses_and_returns_with_the_npn(uow, player_catalog, user):
    program = player_catalog.programs["py2030"]
    assert not as_the_tracker_has_it(uow, player_catalog, user, program).complete
    valid_npn_and_identity(uow, player_catalog, user, program)
    finish_core(uow, player_catalog, user)
    status = as_the_tracker_has_it(uow, player_catalog, user, program)
    assert [s.status for s in status.steps][:4] == ["complete"] * 4  # profile, identity, confirmed, training
    assert status.step("agreements-individual").status == "not_started" and not status.complete
    agreements.accept(uow, player_catalog, program, user.id, "py2030/general", agreed=True, typed_name=" ANA  ruiz ",
                      ip_address="203.0.113.5", user_agent="test", now=NOW)
    status = as_the_tracker_has_it(uow, player_catalog, user, program)
    assert status.complete and status.registration("individual").listed
    assert status.step("certificate").status == "complete" and status.step("rcl").status == "complete"
    assert not status.registration("shop").complete  # SHOP needs its own agreement
    agreements.accept(uow, player_catalog, program, user.id, "py2030/shop", agreed=True, typed_name="Ana Ruiz",
                      ip_address="203.0.113.5", user_agent="test", now=NOW)
    assert as_the_tracker_has_it(uow, player_catalog, user, program).registration("shop").complete
    with uow.write() as session:
        session.get(ProducerRecord, "1234567").license_active = False
    registry.revalidate(uow, catalog=player_catalog, program=program)
    status = as_the_tracker_has_it(uow, player_catalog, user, program)
    completion = status.registration("individual").completion
    assert completion.lapsed_at is not None and "inactive" in completion.lapse_reason.lower()
    assert status.step("rcl").status == "action_needed"
    with uow.write() as session:
        session.get(ProducerRecord, "1234567").license_active = True
    registry.revalidate(uow, catalog=player_catalog, program=program)
    assert as_the_tracker_has_it(uow, player_catalog, user, program).registration("individual").listed


def test_an_agent_with_everything_but_the_training_has_only_the_registration_without_training(
        uow, player_catalog, user):
    program = player_catalog.programs["py2030"]
    valid_npn_and_identity(uow, player_catalog, user, program)
    for agreement in ("py2030/general", "py2030/shop"):
        agreements.accept(uow, player_catalog, program, user.id, agreement, agreed=True, typed_name="Ana Ruiz",
                          ip_address="203.0.113.5", user_agent="test", now=NOW)
    status = as_the_tracker_has_it(uow, player_catalog, user, program)
    assert status.registration("shop").complete and not status.registration("individual").complete
    finish_core(uow, player_catalog, user)
    assert as_the_tracker_has_it(uow, player_catalog, user, program).registration("individual").complete


def test_continue_target_is_the_first_unfinished_step(uow, player_catalog, user):
    program = player_catalog.programs["py2030"]

    def target():
        found = player.continue_target(player.home_tracks(uow, player_catalog, user, program))
        return found and (found[0].track.slug, found[1].module.slug, found[1].completed)

    assert target() == ("core", "intro", False)
    training.complete_module(uow, CATALOG, user.id, "py2030/core/intro", None, NOW)
    training.complete_module(uow, CATALOG, user.id, "py2030/core/rules", None, NOW)
    assert target() == ("core", "rules", True)  # read, but its exam is not passed: go to the exam
    pass_exam(uow, player_catalog.exams["py2030/core/rules"], user.id)
    assert target() == ("extra", "more", False)  # core complete, so extra unlocked
