"""Resetting an exam for an agent: attempts kept for history, no longer counted anywhere attempts are counted."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from lms.models import Attempt, AuditEntry, TrackCompletion
from lms.services import accounts, exam_resets, exams, progress, scoring
from lms.services.errors import RuleError
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
RULES = CATALOG.exams["py2030/core/rules"]  # 3 attempts, highest score counts, pass mark 70
CORE = CATALOG.tracks["py2030/core"]


@pytest.fixture
def user_id(uow):
    return accounts.create_account(uow, "reset-me@example.com", TEST_PASSWORD).id


@pytest.fixture
def admin_id(uow):
    return accounts.create_account(uow, "resetter@example.com", TEST_PASSWORD, role="admin").id


def take(uow, exam, user_id, right=False, now=NOW):
    attempt = exams.start_attempt(uow, CATALOG, exam, user_id, now)
    version, layout = exams.attempt_exam(uow.session, attempt)
    return exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, right)), now)


def half_right(uow, user_id):
    """An attempt scoring between nothing and the pass mark: only the single-choice question right."""
    attempt = exams.start_attempt(uow, CATALOG, RULES, user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    right, wrong = answer_values(version, layout, True), answer_values(version, layout, False)
    one = scoring.field_name(next(q for q in version.questions if q.id == "pick-one"))
    values = {**wrong, **{name: value for name, value in right.items() if name.startswith(one)}}
    return exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(values), NOW)


def test_a_locked_out_agent_starts_afresh_after_a_reset_and_the_old_attempts_stay(uow, user_id, admin_id):
    for _ in range(3):
        take(uow, RULES, user_id)
    assert exams.standing(uow.session, RULES, user_id).locked
    assert exam_resets.reset_exam(uow, RULES, user_id, admin_id, "Exam content was wrong", NOW) == 3
    standing = exams.standing(uow.session, RULES, user_id)
    assert (standing.used, standing.left, standing.locked, standing.can_start) == (0, 3, False, True)
    assert standing.percent is None and not standing.passed
    fresh = take(uow, RULES, user_id, right=True)
    assert fresh.number == 4  # numbers go on: each one still names one attempt
    rows = list(uow.session.scalars(select(Attempt).where(Attempt.user_id == user_id).order_by(Attempt.number)))
    assert [(row.number, row.reset_at is not None) for row in rows] == [(1, True), (2, True), (3, True), (4, False)]
    assert exams.standing(uow.session, RULES, user_id).passed


def test_a_reset_is_audited_with_its_reason_and_the_admin(uow, user_id, admin_id):
    take(uow, RULES, user_id)
    with pytest.raises(RuleError, match="Say why"):
        exam_resets.reset_exam(uow, RULES, user_id, admin_id, "  ", NOW)
    exam_resets.reset_exam(uow, RULES, user_id, admin_id, "Power cut in the test centre", NOW)
    entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "attempt.reset")).one()
    assert entry.actor_id == admin_id and entry.subject_user_id == user_id
    assert entry.details == {"exam": RULES.key, "reason": "Power cut in the test centre", "numbers": [1]}


def test_a_pass_is_never_reset_and_nothing_to_reset_is_refused(uow, user_id, admin_id):
    with pytest.raises(RuleError, match="no attempts"):
        exam_resets.reset_exam(uow, RULES, user_id, admin_id, "why not", NOW)
    take(uow, RULES, user_id, right=True)
    with pytest.raises(RuleError, match="passed"):
        exam_resets.reset_exam(uow, RULES, user_id, admin_id, "retake for practice", NOW)
    assert exams.standing(uow.session, RULES, user_id).passed


def test_grants_made_before_a_reset_stop_counting(uow, user_id, admin_id):
    for _ in range(3):
        take(uow, RULES, user_id)
    exams.grant_attempt(uow, RULES, user_id, admin_id, "lost connection")
    take(uow, RULES, user_id)
    assert exams.standing(uow.session, RULES, user_id).locked
    exam_resets.reset_exam(uow, RULES, user_id, admin_id, "start over", NOW)
    standing = exams.standing(uow.session, RULES, user_id)
    assert (standing.allowed, standing.left) == (3, 3)  # the exam's own three, not three plus the old grant
    for _ in range(3):
        take(uow, RULES, user_id)
    assert exams.standing(uow.session, RULES, user_id).locked
    with pytest.raises(RuleError, match="Contact an administrator"):
        exams.start_attempt(uow, CATALOG, RULES, user_id, NOW)


def test_the_best_score_and_the_track_forget_reset_attempts(uow, user_id, admin_id):
    best = half_right(uow, user_id)
    assert 0 < best.percent < RULES.pass_percent
    exam_resets.reset_exam(uow, RULES, user_id, admin_id, "start over", NOW)
    take(uow, RULES, user_id)  # 0%
    standing = exams.standing(uow.session, RULES, user_id)
    assert standing.percent == 0.0  # the reset attempt's higher score no longer counts
    track = progress.track_progress(uow.session, CATALOG, user_id, CORE)
    rules_state = next(state for state in track.modules if state.standing is not None)
    assert rules_state.standing.used == 1 and rules_state.standing.percent == 0.0
    assert progress.exam_attempted(uow.session, CATALOG, user_id, CORE)


def test_the_track_and_exam_intro_count_nothing_right_after_a_reset(uow, user_id, admin_id):
    for _ in range(3):
        take(uow, RULES, user_id)
    track = progress.track_progress(uow.session, CATALOG, user_id, CORE)
    assert [state.module.key for state in track.locked_exams] == ["py2030/core/rules"]
    exam_resets.reset_exam(uow, RULES, user_id, admin_id, "start over", NOW)
    track = progress.track_progress(uow.session, CATALOG, user_id, CORE)
    assert track.locked_exams == [] and not progress.exam_attempted(uow.session, CATALOG, user_id, CORE)
    module = CATALOG.modules["py2030/core/rules"]
    state = exams.standing(uow.session, CATALOG.exams[module.exam_key], user_id)
    assert state.used == 0 and state.can_start
    assert exams.locked_exams(uow.session, CATALOG, user_id) == []


def test_an_attempt_open_at_the_reset_is_scored_for_the_record_but_passes_nothing(uow, user_id, admin_id):
    take(uow, RULES, user_id)
    attempt = exams.start_attempt(uow, CATALOG, RULES, user_id, NOW)
    exam_resets.reset_exam(uow, RULES, user_id, admin_id, "start over", NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    scored = exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, True)),
                                  NOW)
    assert scored.passed and scored.percent == 100.0  # the record says what happened
    assert not exams.standing(uow.session, RULES, user_id).passed
    assert uow.session.scalars(select(TrackCompletion).where(TrackCompletion.user_id == user_id)).first() is None


def test_an_attempt_open_at_the_reset_that_runs_out_is_scored_at_the_next_start(uow, user_id, admin_id):
    timed = CATALOG.exams["py2030/returning/refresh"]  # a time limit
    first = exams.start_attempt(uow, CATALOG, timed, user_id, NOW)
    exam_resets.reset_exam(uow, timed, user_id, admin_id, "start over", NOW)
    later = NOW + dt.timedelta(minutes=timed.time_limit_minutes, seconds=30)
    second = exams.start_attempt(uow, CATALOG, timed, user_id, later)
    assert second.number == first.number + 1
    uow.end_reads()
    old = uow.session.get(Attempt, first.id)
    assert old.submitted and old.timed_out and old.reset_at is not None  # scored for the record
    assert [a.id for a in exams.standing(uow.session, timed, user_id).attempts] == [second.id]
