"""Plan years: the current program, returning-agent eligibility and the track choice."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.models import RegistrationCompletion
from lms.services import accounts, programs
from lms.services.completions import import_completions
from lms.services.errors import RuleError
from lms.services.profiles import ProfileInput, save_profile
from tests.conftest import TEST_PASSWORD


def agent(session, email="returning@example.com", npn="1234567"):
    user = accounts.sign_up(session, email, TEST_PASSWORD)
    session.flush()
    save_profile(session, user, ProfileInput("Ana", "Ruiz", npn, False, "TX", ["TX"], "5125550100"))
    return user


def test_current_program_is_newest_open_unless_an_admin_chooses(database, catalog):
    with database.writing() as session:
        assert programs.current_program(session, catalog, dt.date(2021, 9, 1)).key == "py2022"
        with pytest.raises(RuleError, match="no program 'py1999'"):
            programs.set_current_program(session, catalog, "py1999", actor_id=None)
        programs.set_current_program(session, catalog, "py2022", actor_id=None)
        assert programs.current_program(session, catalog, dt.date(2021, 9, 1)).key == "py2022"


def test_new_agents_get_the_full_track_only(database, catalog):
    program = catalog.programs["py2022"]
    with database.writing() as session:
        user = agent(session)
        assert [t.slug for t in programs.track_options(session, catalog, user, program)] == ["marketplace"]
        assert programs.chosen_track(session, catalog, user, program).slug == "marketplace"
        with pytest.raises(RuleError, match="not available to you"):
            programs.choose_track(session, catalog, user, program, "py2022/returning")


def test_returning_from_our_own_records(database, catalog):
    program = catalog.programs["py2022"]
    with database.writing() as session:
        user = agent(session)
        session.add(RegistrationCompletion(user_id=user.id, program_key="py2021", npn="1234567"))
        session.flush()
        assert [t.slug for t in programs.track_options(session, catalog, user, program)] == \
            ["marketplace", "returning"]
        assert programs.choose_track(session, catalog, user, program, "py2022/returning").slug == "returning"
        assert programs.chosen_track(session, catalog, user, program).slug == "returning"


def test_returning_from_an_imported_file(database, catalog):
    program = catalog.programs["py2022"]
    with database.writing() as session:
        import_completions(session, b"npn,program,completed_on\n1234567,py2021,2021-08-30\n")
        user = agent(session)
        assert programs.completed_previous_year(session, user, program)
        other = agent(session, "new@example.com", npn="7654321")
        assert not programs.completed_previous_year(session, other, program)


def test_choice_can_change_until_an_exam_of_it_was_attempted(database, catalog):
    from lms.services import exams

    program = catalog.programs["py2022"]
    now = dt.datetime(2021, 9, 1, tzinfo=dt.timezone.utc)
    with database.writing() as session:
        user = agent(session)
        session.add(RegistrationCompletion(user_id=user.id, program_key="py2021", npn="1234567"))
        session.flush()
        programs.choose_track(session, catalog, user, program, "py2022/returning")
        programs.choose_track(session, catalog, user, program, "py2022/marketplace")
        programs.choose_track(session, catalog, user, program, "py2022/returning")
        assert not programs.choice_locked(session, catalog, user, program)
        exams.start_attempt(session, catalog.exams["py2022/returning/refresher"], user.id, now)
        assert programs.choice_locked(session, catalog, user, program)
        with pytest.raises(RuleError, match="no longer change"):
            programs.choose_track(session, catalog, user, program, "py2022/marketplace")
        programs.choose_track(session, catalog, user, program, "py2022/returning")  # re-saving is harmless
