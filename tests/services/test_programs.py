"""Plan years: the current program, returning-agent eligibility and the track choice."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.models import RegistrationCompletion, User
from lms.services import accounts, exams, programs
from lms.services.completions import import_completions
from lms.services.errors import RuleError
from lms.services.profiles import ProfileInput, save_profile
from tests.support.apps import TEST_PASSWORD


def agent(uow, email="returning@example.com", npn="1234567") -> User:
    user_id = accounts.create_account(uow, email, TEST_PASSWORD).id
    save_profile(uow, user_id, ProfileInput("Ana", "Ruiz", npn, False, "TX", ["TX"], "5125550100"))
    return uow.session.get(User, user_id)


def completed_2021(uow, user: User) -> None:
    with uow.write() as session:
        session.add(RegistrationCompletion(user_id=user.id, program_key="py2021", npn="1234567"))


def test_current_program_is_newest_open_unless_an_admin_chooses(uow, catalog):
    assert programs.current_program(uow.session, catalog, dt.date(2021, 9, 1)).key == "py2022"
    with pytest.raises(RuleError, match="no program 'py1999'"):
        programs.set_current_program(uow, catalog, "py1999", actor_id=None)
    programs.set_current_program(uow, catalog, "py2022", actor_id=None)
    assert programs.admin_choice(uow.session) == "py2022"
    assert programs.current_program(uow.session, catalog, dt.date(2021, 9, 1)).key == "py2022"


def test_new_agents_get_the_full_track_only(uow, catalog):
    program = catalog.programs["py2022"]
    user = agent(uow)
    assert [t.slug for t in programs.track_options(uow.session, catalog, user, program)] == ["marketplace"]
    assert programs.chosen_track(uow.session, catalog, user, program).slug == "marketplace"
    with pytest.raises(RuleError, match="not available to you"):
        programs.choose_track(uow, catalog, user.id, program, "py2022/returning")


def test_returning_from_our_own_records(uow, catalog):
    program = catalog.programs["py2022"]
    user = agent(uow)
    completed_2021(uow, user)
    assert [t.slug for t in programs.track_options(uow.session, catalog, user, program)] == \
        ["marketplace", "returning"]
    assert programs.choose_track(uow, catalog, user.id, program, "py2022/returning").slug == "returning"
    assert programs.chosen_track(uow.session, catalog, user, program).slug == "returning"


def test_returning_from_an_imported_file(uow, catalog):
    program = catalog.programs["py2022"]
    import_completions(uow, b"npn,program,completed_on\n1234567,py2021,2021-08-30\n")
    user = agent(uow)
    assert programs.completed_previous_year(uow.session, user, program)
    other = agent(uow, "new@example.com", npn="7654321")
    assert not programs.completed_previous_year(uow.session, other, program)


def test_returning_under_another_account_with_the_same_npn_but_not_without_an_npn(uow, catalog):
    program = catalog.programs["py2022"]
    earlier = accounts.create_account(uow, "old-address@example.com", TEST_PASSWORD)
    with uow.write() as session:
        session.add(RegistrationCompletion(user_id=earlier.id, program_key="py2021", npn="1234567"))
        session.add(RegistrationCompletion(user_id=earlier.id, program_key="py2022", npn="7654321"))
    assert programs.completed_previous_year(uow.session, agent(uow), program)
    assert not programs.completed_previous_year(uow.session, agent(uow, "other@example.com", "7654321"), program)
    no_profile = uow.session.get(User, accounts.create_account(uow, "new@example.com", TEST_PASSWORD).id)
    assert not programs.completed_previous_year(uow.session, no_profile, program)


def test_choice_can_change_until_an_exam_of_it_was_attempted(uow, catalog):
    program = catalog.programs["py2022"]
    now = dt.datetime(2021, 9, 1, tzinfo=dt.UTC)
    user = agent(uow)
    completed_2021(uow, user)
    programs.choose_track(uow, catalog, user.id, program, "py2022/returning")
    programs.choose_track(uow, catalog, user.id, program, "py2022/marketplace")
    programs.choose_track(uow, catalog, user.id, program, "py2022/returning")
    assert not programs.choice_locked(uow.session, catalog, user, program)
    exams.start_attempt(uow, catalog, catalog.exams["py2022/returning/refresher"], user.id, now)
    assert programs.choice_locked(uow.session, catalog, user, program)
    with pytest.raises(RuleError, match="no longer change"):
        programs.choose_track(uow, catalog, user.id, program, "py2022/marketplace")
    programs.choose_track(uow, catalog, user.id, program, "py2022/returning")  # re-saving is harmless
