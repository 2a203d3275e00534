"""Progress an agent can read: percent complete, time left, "Module 2 of 3", and what registration still needs."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.content import load_catalog
from lms.models import ModuleProgress, ProducerRecord, User
from lms.services import accounts, exams, people, progress, registration, training
from lms.services.module_page import module_page
from lms.services.profiles import ProfileInput, save_profile
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter, write_player_tree

NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)

# The core track with a third module, so reading time is left on both sides of the exam.
THREE_MODULES = {
    "courses/py2030/core/track.yaml": """\
        title: Core Marketplace Training
        audience: new
        required: true
        satisfies: marketplace-training
        modules: [01-intro.md, 02-rules.md, 03-wrap-up.md]
        """,
    "courses/py2030/core/03-wrap-up.md": "---\ntitle: Wrapping up\nminutes: 12\n---\n# Done\n\nThe end.\n",
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    found = load_catalog(write_player_tree(tmp_path_factory.mktemp("content"), THREE_MODULES))
    assert not found.problems, [problem.format() for problem in found.problems]
    return found


@pytest.fixture
def user(uow):
    return uow.session.get(User, accounts.create_account(uow, "learner@example.com", TEST_PASSWORD).id)


def take_exam(uow, catalog, user_id, right=True):
    exam = catalog.exams["py2030/core/rules"]
    attempt = exams.start_attempt(uow, catalog, exam, user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    return exams.submit_attempt(uow, catalog, attempt.id, user_id, getter(answer_values(version, layout, right)), NOW)


def summary(uow, catalog, user):
    state = progress.track_progress(uow.session, catalog, user.id, catalog.tracks["py2030/core"])
    return state.percent, state.steps_done, state.steps_total, state.minutes_left


def test_percent_counts_modules_read_and_exams_passed_and_time_left_counts_unread_modules(uow, catalog, user):
    assert summary(uow, catalog, user) == (0, 0, 4, 17)  # 3 modules + 1 exam; 5 + 0 (no estimate) + 12 minutes
    training.complete_module(uow, catalog, user.id, "py2030/core/intro", None, NOW)
    assert summary(uow, catalog, user) == (25, 1, 4, 12)
    training.complete_module(uow, catalog, user.id, "py2030/core/rules", None, NOW)
    take_exam(uow, catalog, user.id, right=False)
    assert summary(uow, catalog, user) == (50, 2, 4, 12)  # a failed exam counts for nothing
    take_exam(uow, catalog, user.id)
    training.complete_module(uow, catalog, user.id, "py2030/core/wrap-up", None, NOW)
    state = progress.track_progress(uow.session, catalog, user.id, catalog.tracks["py2030/core"])
    assert (state.percent, state.minutes_left, state.complete) == (100, 0, True)


def test_percent_is_rounded_down_so_an_unfinished_track_never_shows_100(uow, tmp_path, user):
    names = [f"{n:03}-part{n}.md" for n in range(1, 201)]
    many = {"courses/py2030/extra/track.yaml": f"title: Extra\nmodules: [{', '.join(names)}]\n"}
    many.update({f"courses/py2030/extra/{name}": f"---\ntitle: {name}\n---\nText.\n" for name in names})
    big = load_catalog(write_player_tree(tmp_path, many))
    with uow.write() as session:  # 199 of 200 read: 99.5%, which rounding to nearest would show as 100%
        session.add_all(ModuleProgress(user_id=user.id, module_key=f"py2030/extra/part{n}", completed_at=NOW)
                        for n in range(1, 200))
    state = progress.track_progress(uow.session, big, user.id, big.tracks["py2030/extra"])
    assert (state.steps_done, state.steps_total, state.percent, state.complete) == (199, 200, 99, False)


def test_a_module_knows_its_place_in_the_track(uow, catalog, user):
    places = [(state.module.slug, state.position, state.track_size) for state in
              progress.track_progress(uow.session, catalog, user.id, catalog.tracks["py2030/core"]).modules]
    assert places == [("intro", 1, 3), ("rules", 2, 3), ("wrap-up", 3, 3)]
    alone = module_page(uow.connection, catalog, user.id, catalog.modules["py2030/core/rules"])
    assert (alone.position, alone.track_size) == (2, 3)


def test_after_the_training_the_steps_left_for_registration_are_named_in_order(uow, catalog, user):
    program = catalog.programs["py2030"]
    with uow.write() as session:
        session.add(ProducerRecord(npn="1234567", name="Ana Ruiz", resident_state="TX", license_active=True,
                                   health_authority=True))
    save_profile(uow, user.id, ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100"),
                 catalog, program)

    def status():
        return registration.registration_status(uow.session, catalog, user, program)

    assert not status().training_done
    assert [step.key for step in status().remaining] == ["identity", "training", "agreements-individual"]
    for key in ("intro", "rules", "wrap-up"):
        training.complete_module(uow, catalog, user.id, f"py2030/core/{key}", None, NOW)
    take_exam(uow, catalog, user.id)
    assert status().training_done and not status().complete
    assert [step.key for step in status().remaining] == ["identity", "agreements-individual"]
    people.attest_identity(uow, user.id, user.id, catalog, program)
    [left] = status().remaining
    assert (left.key, left.action, left.target) == ("agreements-individual", "agreement", "py2030/general")
