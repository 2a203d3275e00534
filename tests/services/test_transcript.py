"""The transcript: programs with records, every track and module, exams with attempts, best score and pass date."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from lms.content import load_catalog
from lms.models import Attempt, ModuleProgress, User
from lms.services import accounts, exams, standings, training, transcript
from lms.services.profiles import ProfileInput, save_profile
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter, write_player_tree

TODAY = dt.date(2029, 9, 1)
MONDAY = dt.datetime(2029, 9, 3, 15, 0, tzinfo=dt.UTC)

OTHER_YEARS = {
    "courses/py2029/program.yaml": """\
        title: Plan Year 2029 Registration
        plan_year: 2029
        opens: 2028-07-01
        registrations:
          individual: {title: Individual Marketplace, training: marketplace-training}
        tracks: [basics]
        """,
    "courses/py2029/basics/track.yaml": "title: Basics 2029\nsatisfies: marketplace-training\nmodules: [01-old.md]\n",
    "courses/py2029/basics/01-old.md": "---\ntitle: Last year's module\n---\nOld.\n",
    "courses/py2031/program.yaml": """\
        title: Plan Year 2031 Registration
        plan_year: 2031
        opens: 2031-07-01
        registrations:
          individual: {title: Individual Marketplace, training: marketplace-training}
        tracks: [basics]
        """,
    "courses/py2031/basics/track.yaml": "title: Basics 2031\nsatisfies: marketplace-training\nmodules: [01-new.md]\n",
    "courses/py2031/basics/01-new.md": "---\ntitle: Next year's module\n---\nNew.\n",
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    found = load_catalog(write_player_tree(tmp_path_factory.mktemp("content"), OTHER_YEARS))
    assert not found.problems, [problem.format() for problem in found.problems]
    return found


@pytest.fixture
def user(uow):
    return uow.session.get(User, accounts.create_account(uow, "ana@example.com", TEST_PASSWORD).id)


def take_exam(uow, catalog, user_id, right: bool, when: dt.datetime):
    exam = catalog.exams["py2030/core/rules"]
    attempt = exams.start_attempt(uow, catalog, exam, user_id, when)
    version, layout = exams.attempt_exam(uow.session, attempt)
    return exams.submit_attempt(uow, catalog, attempt.id, user_id, getter(answer_values(version, layout, right)), when)


def test_a_new_agent_sees_the_current_program_with_every_track_and_module_not_started(uow, catalog, user):
    found = transcript.transcript(uow.session, catalog, user, TODAY, MONDAY)
    assert (found.name, found.npn, found.email) == ("", None, "ana@example.com")
    assert [record.program.key for record in found.programs] == ["py2030"]  # not 2031 (not open), not 2029 (unused)
    [program] = found.programs
    assert [track.track.slug for track in program.tracks] == ["core", "returning", "extra", "shop", "hod"]
    core = program.tracks[0]
    assert [(m.title, m.completed_on, m.seconds_spent) for m in core.modules] == [
        ("Introduction", None, 0), ("The Rules", None, 0)]
    exam = core.modules[1].exam
    assert (exam.title, exam.attempts, exam.allowed, exam.best, exam.passed_on) == ("Rules exam", 0, 3, None, None)
    assert core.modules[0].exam is None and core.completed_on is None
    assert [(item.registration.key, item.completion) for item in program.registrations] == [
        ("individual", None), ("shop", None)]


def test_modules_completed_with_time_spent_and_the_exam_with_attempts_best_score_and_pass_date(uow, catalog, user):
    save_profile(uow, user.id, ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100"))
    training.complete_module(uow, catalog, user.id, "py2030/core/intro", MONDAY - dt.timedelta(minutes=7), MONDAY)
    rules_read = MONDAY + dt.timedelta(days=1)
    training.complete_module(uow, catalog, user.id, "py2030/core/rules", rules_read - dt.timedelta(minutes=20),
                             rules_read)
    take_exam(uow, catalog, user.id, right=False, when=rules_read + dt.timedelta(hours=1))
    passed_at = MONDAY + dt.timedelta(days=2)
    take_exam(uow, catalog, user.id, right=True, when=passed_at)
    take_exam(uow, catalog, user.id, right=False, when=passed_at + dt.timedelta(days=1))  # a retake after the pass
    found = transcript.transcript(uow.session, catalog, uow.session.get(User, user.id), TODAY, MONDAY)
    assert (found.name, found.npn) == ("Ana Ruiz", "1234567")
    core = found.programs[0].tracks[0]
    intro, rules = core.modules
    assert (intro.completed_on, intro.seconds_spent) == (MONDAY, 7 * 60)
    assert (rules.completed_on, rules.seconds_spent) == (rules_read, 20 * 60)
    assert (rules.exam.attempts, rules.exam.allowed, rules.exam.passed_on) == (3, 3, passed_at)
    best = rules.exam.best
    assert (best.number, best.percent, best.points, best.max_points) == (2, 100.0, 6.0, 6.0)
    assert core.completed_on == passed_at and core.progress.complete
    assert core.seconds_spent == found.programs[0].seconds_spent == 27 * 60


def test_an_older_program_is_listed_once_the_agent_has_records_in_it(uow, catalog, user):
    with uow.write() as session:
        session.add(ModuleProgress(user_id=user.id, module_key="py2029/basics/old", seconds_spent=300,
                                   completed_at=dt.datetime(2028, 11, 1, tzinfo=dt.UTC)))
    found = transcript.transcript(uow.session, catalog, user, TODAY, MONDAY)
    assert [record.program.key for record in found.programs] == ["py2030", "py2029"]
    [old] = found.programs[1].tracks[0].modules
    assert (old.title, old.completed_on.date(), old.seconds_spent) == ("Last year's module", dt.date(2028, 11, 1), 300)
    assert found.programs[1].tracks[0].progress.complete  # its only module was read


def _standing(catalog, grading: str, percents: list[float]) -> standings.Standing:
    exam = dataclasses.replace(catalog.exams["py2030/core/rules"], grading=grading)
    attempts = [Attempt(number=n, status="submitted", percent=percent, passed=percent >= exam.pass_percent,
                        submitted_at=MONDAY + dt.timedelta(days=n))
                for n, percent in enumerate(percents, start=1)]
    result = standings.standing_result(grading, attempts)
    return standings.Standing(exam, tuple(attempts), None, result, result is not None and result >= exam.pass_percent)


@pytest.mark.parametrize(("grading", "percents", "day"), [
    ("highest", [40, 80, 50], 2),   # the first pass stands
    ("last", [80, 40, 90], 3),      # passed on day 1, undone by day 2's 40, passed again on day 3
    ("average", [60, 90, 70], 2),   # (60+90)/2 = 75 passes on day 2 and stays above 70
    ("first", [40, 100], None),     # the first attempt counts and failed
])
def test_passed_on_is_when_the_result_that_counts_last_became_a_pass(catalog, grading, percents, day):
    expected = MONDAY + dt.timedelta(days=day) if day else None
    assert transcript.passed_on(_standing(catalog, grading, percents)) == expected
