"""The post lane's heartbeat and autosave check who is signed in within the write itself, and its start
and submission within their first read: while the session cookie's claim holds they do what the usual
way does; once it does not, they write nothing and say so (the heartbeat and autosave by returning
nothing, the start and submission by raising), and the caller takes the usual way, which refuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from lms.models import Attempt, ModuleProgress, User
from lms.services import accounts, autosave, exams, progress, scoring, sessions
from lms.services.errors import NotFound, NotSignedIn
from lms.services.recent import Recent
from lms.services.sessions import Claim
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
MODULE = "py2030/core/intro"
TIMED_EXAM = "py2030/returning/refresh"  # ten minutes


@pytest.fixture(autouse=True)
def nothing_remembered(monkeypatch):
    """Attempt ids start again in every test's database: what one test's worker remembered is not the next's."""
    monkeypatch.setattr(autosave, "_REMEMBERED", Recent(size=100))


@dataclass(frozen=True)
class Agent:
    user_id: int
    claim: Claim


def signed_in(uow, email: str) -> Agent:
    user = accounts.create_account(uow, email, TEST_PASSWORD)
    claim = sessions.claim(user.get_id(), sessions.start(uow, user.id, "laptop"))
    assert claim is not None
    return Agent(user.id, claim)


def signed_out_everywhere(uow, agent: Agent) -> Claim:
    sessions.end_everywhere(uow, agent.user_id)
    return agent.claim


def password_changed(uow, agent: Agent) -> Claim:  # the account's auth version moves on, the session stays
    with uow.write() as session:
        session.execute(update(User).where(User.id == agent.user_id).values(auth_version=User.auth_version + 1))
    return agent.claim


def another_browsers_session(uow, agent: Agent) -> Claim:
    other = signed_in(uow, "other@example.com")
    return Claim(agent.user_id, agent.claim.auth_version, other.claim.session_id)


NO_LONGER_HOLDS: dict[str, Callable[..., Claim]] = {
    "signed out everywhere": signed_out_everywhere,
    "the password changed": password_changed,
    "another account's session id": another_browsers_session,
}


def seconds(uow, user_id: int) -> int | None:
    return uow.session.scalar(select(ModuleProgress.seconds_spent).where(
        ModuleProgress.user_id == user_id, ModuleProgress.module_key == MODULE).execution_options(
        populate_existing=True))


def test_a_heartbeat_whose_claim_holds_counts_as_any_heartbeat(uow):
    agent = signed_in(uow, "reader@example.com")
    progress.heartbeat(uow, agent.user_id, MODULE, NOW, NOW + dt.timedelta(seconds=60))
    assert progress.heartbeat_if_signed_in(uow, agent.claim, MODULE, NOW, NOW + dt.timedelta(seconds=120))
    assert progress.heartbeat_if_signed_in(uow, agent.claim, MODULE, NOW, NOW + dt.timedelta(seconds=120))  # replayed
    assert seconds(uow, agent.user_id) == 120


def test_a_modules_first_heartbeat_is_left_to_the_usual_way(uow):
    agent = signed_in(uow, "reader@example.com")
    assert not progress.heartbeat_if_signed_in(uow, agent.claim, MODULE, NOW, NOW + dt.timedelta(seconds=60))
    assert seconds(uow, agent.user_id) is None


@pytest.mark.parametrize("meanwhile", NO_LONGER_HOLDS)
def test_a_heartbeat_whose_claim_no_longer_holds_counts_nothing(uow, meanwhile):
    agent = signed_in(uow, "reader@example.com")
    progress.heartbeat(uow, agent.user_id, MODULE, NOW, NOW + dt.timedelta(seconds=60))
    claim = NO_LONGER_HOLDS[meanwhile](uow, agent)
    assert not progress.heartbeat_if_signed_in(uow, claim, MODULE, NOW, NOW + dt.timedelta(seconds=120))
    assert seconds(uow, agent.user_id) == 60


def start(uow, agent: Agent, exam_key: str = TIMED_EXAM) -> tuple[int, dict[str, list[str]], dict[str, list[str]]]:
    """An open attempt, with the form values that answer it right and those that answer it wrong."""
    attempt = exams.start_attempt(uow, CATALOG, CATALOG.exams[exam_key], agent.user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    return attempt.id, answer_values(version, layout, True), answer_values(version, layout, False)


def saved(uow, attempt_id: int) -> tuple[dict | None, dt.datetime | None]:
    attempt = uow.session.get(Attempt, attempt_id, populate_existing=True)
    return attempt.answers, attempt.saved_at


def read(uow, attempt_id: int, values: dict[str, list[str]]) -> dict:
    """The answers as the usual way stores them."""
    attempt = uow.session.get(Attempt, attempt_id)
    version, layout = exams.attempt_exam(uow.session, attempt)
    return scoring.read_answers(version, layout, getter(values))


def test_an_autosave_whose_claim_holds_keeps_the_answers_as_the_usual_way_does(uow):
    agent = signed_in(uow, "taker@example.com")
    attempt_id, right, wrong = start(uow, agent)
    later = NOW + dt.timedelta(minutes=1)
    assert autosave.save_if_signed_in(uow, agent.claim, attempt_id, getter(right), later) == later
    assert saved(uow, attempt_id) == (read(uow, attempt_id, right), later)
    again = NOW + dt.timedelta(minutes=2)  # the attempt's layout is remembered now
    assert autosave.save_if_signed_in(uow, agent.claim, attempt_id, getter(wrong), again) == again
    assert saved(uow, attempt_id) == (read(uow, attempt_id, wrong), again)


@pytest.mark.parametrize("meanwhile", NO_LONGER_HOLDS)
def test_an_autosave_whose_claim_no_longer_holds_writes_nothing(uow, meanwhile):
    agent = signed_in(uow, "taker@example.com")
    attempt_id, right, wrong = start(uow, agent)
    autosave.save_if_signed_in(uow, agent.claim, attempt_id, getter(right), NOW)
    claim = NO_LONGER_HOLDS[meanwhile](uow, agent)
    assert autosave.save_if_signed_in(uow, claim, attempt_id, getter(wrong), NOW + dt.timedelta(minutes=1)) is None
    assert saved(uow, attempt_id) == (read(uow, attempt_id, right), NOW)


def test_an_autosave_of_another_agents_attempt_writes_nothing(uow):
    owner, intruder = signed_in(uow, "taker@example.com"), signed_in(uow, "intruder@example.com")
    attempt_id, right, _wrong = start(uow, owner)
    assert autosave.save_if_signed_in(uow, intruder.claim, attempt_id, getter(right), NOW) is None
    assert autosave.save_if_signed_in(uow, intruder.claim, attempt_id + 1000, getter(right), NOW) is None
    assert saved(uow, attempt_id) == ({}, None)


@pytest.mark.parametrize("when", ["submitted", "out of time"])
def test_an_autosave_of_an_attempt_no_longer_open_is_left_to_the_usual_way(uow, when):
    agent = signed_in(uow, "taker@example.com")
    attempt_id, right, wrong = start(uow, agent)
    autosave.save_if_signed_in(uow, agent.claim, attempt_id, getter(wrong), NOW)
    later = NOW + dt.timedelta(minutes=11)  # the ten minutes and their grace are over
    if when == "submitted":
        exams.submit_attempt(uow, CATALOG, attempt_id, agent.user_id, getter(wrong), NOW + dt.timedelta(minutes=1))
        later = NOW + dt.timedelta(minutes=2)
    assert autosave.save_if_signed_in(uow, agent.claim, attempt_id, getter(right), later) is None
    assert saved(uow, attempt_id)[0] == read(uow, attempt_id, wrong)
    with pytest.raises(exams.RuleError):  # the usual way says why
        exams.save_answers(uow, CATALOG, attempt_id, agent.user_id, getter(right), later, durable=False)


@pytest.mark.parametrize("changed", ["seed", "exam version"])
def test_a_remembered_layout_the_attempt_no_longer_has_decides_nothing(uow, changed):
    """As when another database used the same attempt id: the remembered layout is not the attempt's."""
    agent = signed_in(uow, "taker@example.com")
    attempt_id, right, _wrong = start(uow, agent)
    autosave.save_if_signed_in(uow, agent.claim, attempt_id, getter(right), NOW)  # remembered
    if changed == "seed":
        now_has = {"seed": Attempt.seed + 1}
    else:  # another exam's stored version, as another agent's attempt stored it
        other_id, _, _ = start(uow, signed_in(uow, "other-taker@example.com"), "py2030/core/rules")
        now_has = {"content_hash": uow.session.get(Attempt, other_id).content_hash}
    with uow.write() as session:
        session.execute(update(Attempt).where(Attempt.id == attempt_id).values(answers={}, **now_has))
    attempt = uow.session.get(Attempt, attempt_id, populate_existing=True)
    version, layout = exams.attempt_exam(uow.session, attempt)
    answers_now = answer_values(version, layout)
    later = NOW + dt.timedelta(minutes=1)
    assert autosave.save_if_signed_in(uow, agent.claim, attempt_id, getter(answers_now), later) is None
    assert saved(uow, attempt_id) == ({}, NOW)
    exams.save_answers(uow, CATALOG, attempt_id, agent.user_id, getter(answers_now), later, durable=False)  # afresh
    assert autosave.save_if_signed_in(uow, agent.claim, attempt_id, getter(answers_now), later) == later
    assert saved(uow, attempt_id) == (read(uow, attempt_id, answers_now), later)


def attempts_of(uow, user_id: int) -> list[tuple[int, str]]:
    return [tuple(row) for row in uow.session.execute(
        select(Attempt.number, Attempt.status).where(Attempt.user_id == user_id).order_by(Attempt.number)
        .execution_options(populate_existing=True))]


def test_a_start_whose_claim_holds_starts_as_any_start(uow):
    agent = signed_in(uow, "starter@example.com")
    exam = CATALOG.exams[TIMED_EXAM]
    started = exams.start_attempt(uow, CATALOG, exam, agent.user_id, NOW, claim=agent.claim)
    again = exams.start_attempt(uow, CATALOG, exam, agent.user_id, NOW, claim=agent.claim)  # a second click
    assert again.id == started.id and attempts_of(uow, agent.user_id) == [(1, "in_progress")]


@pytest.mark.parametrize("meanwhile", [*NO_LONGER_HOLDS, "another agent's claim"])
def test_a_start_whose_claim_no_longer_holds_starts_nothing(uow, meanwhile):
    agent = signed_in(uow, "starter@example.com")
    if meanwhile == "another agent's claim":
        claim = signed_in(uow, "someone@example.com").claim
    else:
        claim = NO_LONGER_HOLDS[meanwhile](uow, agent)
    with pytest.raises(NotSignedIn):
        exams.start_attempt(uow, CATALOG, CATALOG.exams[TIMED_EXAM], agent.user_id, NOW, claim=claim)
    assert attempts_of(uow, agent.user_id) == []


def test_a_submission_whose_claim_holds_scores_as_any_submission(uow):
    agent = signed_in(uow, "taker@example.com")
    attempt_id, right, _wrong = start(uow, agent)
    scored = exams.submit_attempt(uow, CATALOG, attempt_id, agent.user_id, getter(right), NOW, claim=agent.claim)
    again = exams.submit_attempt(uow, CATALOG, attempt_id, agent.user_id, getter(right), NOW, claim=agent.claim)
    assert scored.passed and scored.percent == again.percent == 100.0
    assert attempts_of(uow, agent.user_id) == [(1, "submitted")]


@pytest.mark.parametrize("meanwhile", [*NO_LONGER_HOLDS, "another agent's claim"])
def test_a_submission_whose_claim_no_longer_holds_scores_nothing(uow, meanwhile):
    agent = signed_in(uow, "taker@example.com")
    attempt_id, right, _wrong = start(uow, agent)
    if meanwhile == "another agent's claim":
        claim = signed_in(uow, "someone@example.com").claim
    else:
        claim = NO_LONGER_HOLDS[meanwhile](uow, agent)
    with pytest.raises(NotFound):
        exams.submit_attempt(uow, CATALOG, attempt_id, agent.user_id, getter(right), NOW, claim=claim)
    assert attempts_of(uow, agent.user_id) == [(1, "in_progress")]
