"""A program's dashboard: the funnel, exam pass rates, training time and completions per day."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.models import (
    AgentProfile,
    AgreementAcceptance,
    ModuleProgress,
    RegistrationCompletion,
    TrackCompletion,
    User,
)
from lms.services import accounts, dashboard, exams
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter

DAY = dt.datetime(2029, 9, 2, tzinfo=dt.UTC)
PROGRAM = "py2030"


def agent(uow, name: str, steps: set[str], *, npn_status: str = "valid", agreement_version: str = "1",
          track: str = "core", started: list[tuple[str, dt.timedelta]] = (), finished: dt.timedelta | None = None,
          completed: dt.datetime | None = None) -> int:
    """A learner who reached `steps`, with the rows those steps leave behind."""
    user = accounts.create_account(uow, f"{name}@example.com", TEST_PASSWORD)
    with uow.write() as session:
        if "profile" in steps:
            session.add(AgentProfile(user_id=user.id, first_name=name, last_name="Agent", npn=str(1000 + user.id),
                                     resident_state="TX", sell_states="TX", phone="5125550100",
                                     npn_status=npn_status))
        if "identity" in steps:
            session.get(User, user.id).identity_verified_at = DAY
        for module, offset in started:
            session.add(ModuleProgress(user_id=user.id, module_key=f"{PROGRAM}/{track}/{module}",
                                       first_seen_at=DAY + offset, last_seen_at=DAY + offset))
        if "training" in steps:
            session.add(TrackCompletion(user_id=user.id, track_key=f"{PROGRAM}/{track}", program_key=PROGRAM,
                                        completed_at=DAY + (finished or dt.timedelta())))
        if "agreements" in steps:
            session.add(AgreementAcceptance(user_id=user.id, program_key=PROGRAM, agreement_key=f"{PROGRAM}/general",
                                            title="General Agreement", version=agreement_version, text_html="<p>Terms.</p>",
                                            text_sha256="0" * 64, typed_name=f"{name} Agent", accepted_at=DAY))
        if "complete" in steps or "lapsed" in steps:
            session.add(RegistrationCompletion(user_id=user.id, program_key=PROGRAM, registration_key="individual",
                                               completed_at=completed, lapse_reason="",
                                               lapsed_at=DAY if "lapsed" in steps else None))
    return user.id


ALL = {"profile", "identity", "training", "agreements"}
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def agents(uow):
    accounts.create_account(uow, "boss@example.com", TEST_PASSWORD, role="admin")  # not an agent: not counted
    return {
        "new": agent(uow, "new", set()),
        "npn": agent(uow, "npn", {"profile"}),
        "identity": agent(uow, "identity", {"profile", "identity"}),
        "trained": agent(uow, "trained", {"profile", "identity", "training"},
                         started=[("intro", 10 * HOUR), ("rules", 11 * HOUR)], finished=12 * HOUR),  # 2 h
        "agreed": agent(uow, "agreed", ALL, started=[("intro", 8 * HOUR)], finished=32 * HOUR),  # 24 h
        "done": agent(uow, "done", ALL | {"complete"}, started=[("intro", 9 * HOUR)], finished=9.5 * HOUR,  # 30 min
                      completed=dt.datetime(2029, 9, 2, 15, 0, tzinfo=dt.UTC)),
        "returning": agent(uow, "returning", ALL | {"complete"}, track="returning", started=[("refresh", 10 * HOUR)],
                           finished=10.75 * HOUR, completed=dt.datetime(2029, 9, 4, 23, 30, tzinfo=dt.UTC)),  # 45 min
        # Skipped the NPN: counted as signed up only, however far the rest went.
        "skipper": agent(uow, "skipper", ALL, npn_status="not_found",
                         started=[("intro", 6 * HOUR)], finished=6 * HOUR + dt.timedelta(minutes=20)),  # 20 min
        "lapsed": agent(uow, "lapsed", ALL | {"lapsed"}, started=[("intro", 0 * HOUR)], finished=HOUR,  # 1 h
                        completed=dt.datetime(2029, 9, 4, 1, 0, tzinfo=dt.UTC)),
        # Accepted an earlier version of the agreement only; completed the training without any module time.
        "old": agent(uow, "old", ALL, agreement_version="0"),
    }


def test_funnel_counts_each_step_with_every_step_before_it(uow, player_catalog, agents):
    board = dashboard.dashboard(uow.session, player_catalog, player_catalog.programs[PROGRAM])
    assert [(stage.key, stage.agents) for stage in board.funnel] == [
        ("signed_up", 10), ("npn", 8), ("identity", 7), ("training", 6), ("agreements", 4), ("complete", 2)]
    assert [stage.of_start for stage in board.funnel] == pytest.approx([1, 0.8, 0.7, 0.6, 0.4, 0.2])
    assert board.funnel[0].of_previous is None
    assert [stage.of_previous for stage in board.funnel[1:]] == pytest.approx([8 / 10, 7 / 8, 6 / 7, 4 / 6, 2 / 4])


def test_median_time_to_complete_the_training(uow, player_catalog, agents):
    board = dashboard.dashboard(uow.session, player_catalog, player_catalog.programs[PROGRAM])
    # 20 min, 30 min, 45 min, 1 h, 2 h, 24 h (the agent with no module time has no start): (45 + 60) / 2 min.
    assert board.training.completions == 6
    assert board.training.median_seconds == pytest.approx(52.5 * 60)


def test_completions_per_day_in_utc_with_quiet_days_between(uow, player_catalog, agents):
    board = dashboard.dashboard(uow.session, player_catalog, player_catalog.programs[PROGRAM])
    # A lapsed completion still happened on its day.
    assert board.per_day == ((dt.date(2029, 9, 2), 1), (dt.date(2029, 9, 3), 0), (dt.date(2029, 9, 4), 2))
    assert board.completions == 3 and board.busiest == (dt.date(2029, 9, 4), 2)


def take(uow, catalog, exam, user_id: int, right: bool):
    attempt = exams.start_attempt(uow, catalog, exam, user_id, DAY)
    version, layout = exams.attempt_exam(uow.session, attempt)
    exams.submit_attempt(uow, catalog, attempt.id, user_id, getter(answer_values(version, layout, right)), DAY)


def test_pass_rate_and_attempts_to_pass_per_exam(uow, player_catalog, agents):
    rules = player_catalog.exams[f"{PROGRAM}/core/rules"]
    for name, results in (("trained", [False, True]), ("agreed", [True]), ("done", [False, False, False])):
        for right in results:
            take(uow, player_catalog, rules, agents[name], right)
    board = dashboard.dashboard(uow.session, player_catalog, player_catalog.programs[PROGRAM])
    figures = {item.exam.key: item for item in board.exams}
    assert list(figures) == [f"{PROGRAM}/core/rules", f"{PROGRAM}/returning/refresh"]  # the tracks' order
    found = figures[f"{PROGRAM}/core/rules"]
    assert (found.agents, found.passed, found.attempts) == (3, 2, 6)
    assert found.pass_rate == pytest.approx(2 / 3)
    assert found.attempts_to_pass == pytest.approx(1.5)  # the 2nd attempt and the 1st
    untaken = figures[f"{PROGRAM}/returning/refresh"]
    assert (untaken.agents, untaken.pass_rate, untaken.attempts_to_pass) == (0, None, None)


def test_a_program_nobody_started(uow, player_catalog):
    board = dashboard.dashboard(uow.session, player_catalog, player_catalog.programs[PROGRAM])
    assert [stage.agents for stage in board.funnel] == [0, 0, 0, 0, 0, 0]
    assert all(stage.of_start is None for stage in board.funnel)
    assert board.training == dashboard.TrainingTime(0, None)
    assert board.per_day == () and board.busiest is None
