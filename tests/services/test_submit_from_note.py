"""The attempt page's form carries a layout note (its attempt's exam version and seed, the seed masked), so
that on PostgreSQL the usual submission is scored, and an attempt's first autosave in a worker kept,
without reading the attempt first. The note decides nothing by itself: the score or the answers are
written only to the claimed agent's open, in-time attempt with that version and seed, and anything
else (another attempt's note, a changed one, a signed-out claim, a deadline passed, a pass that
completes the track) is read and handled the usual way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, update

from lms.models import Attempt, AttemptItem, OutboxEvent, TrackCompletion
from lms.services import autosave, exams, score_write, tokens, training
from lms.services.errors import NotFound
from lms.services.recent import Recent
from lms.services.sessions import Claim
from lms.services.tokens import LayoutNote
from tests.services.test_claimed_writes import NO_LONGER_HOLDS, Agent, signed_in
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
EXAM = "py2030/core/rules"  # the last step of the track py2030/core, after its two modules
SECRET = "test-secret"


@pytest.fixture(autouse=True)
def nothing_remembered(monkeypatch):
    """Attempt ids start again in every test's database: what one test's worker remembered is not the next's."""
    monkeypatch.setattr(autosave, "_REMEMBERED", Recent(size=100))


def started(uow, agent: Agent) -> tuple[Attempt, str, dict[str, list[str]], dict[str, list[str]]]:
    """An open attempt, its page's layout note, and the forms answering it right and wrong."""
    attempt = exams.start_attempt(uow, CATALOG, CATALOG.exams[EXAM], agent.user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    note = tokens.layout_note(SECRET, attempt.id, attempt.content_hash, attempt.seed)
    uow.end_reads()
    return attempt, note, answer_values(version, layout, True), answer_values(version, layout, False)


def submit(uow, agent: Agent, attempt_id: int, values: dict[str, list[str]], note: str | None,
           confirmed: bool = False) -> exams.Submitted:
    read = tokens.read_layout_note(SECRET, note, attempt_id) if note is not None else None
    return exams.submit_attempt(uow, CATALOG, attempt_id, agent.user_id, getter(values), NOW, confirmed,
                                claim=agent.claim, note=read)


def recorded(uow, attempt_id: int) -> tuple:
    uow.end_reads()
    session = uow.session
    attempt = session.get(Attempt, attempt_id, populate_existing=True)
    items = session.scalar(select(func.count()).select_from(AttemptItem).where(AttemptItem.attempt_id == attempt_id))
    scored = [event.payload for event in session.scalars(select(OutboxEvent).where(OutboxEvent.name == "attempt.scored"))
              if event.payload["attempt"] == attempt_id]
    return attempt.status, attempt.percent, attempt.passed, attempt.timed_out, items, scored


@pytest.fixture
def reads_first(monkeypatch) -> list[int]:
    """Each time a submission reads its attempt before scoring it."""
    seen: list[int] = []
    real = score_write.read_before_score

    def counted(connection, attempt_id, claim):
        seen.append(attempt_id)
        return real(connection, attempt_id, claim)

    monkeypatch.setattr(score_write, "read_before_score", counted)
    return seen


def test_the_note_hides_the_seed_and_names_one_attempt():
    seed = 0x2F3A_5B6C_7D8E_9F01
    note = tokens.layout_note(SECRET, 41, "ab" * 32, seed)
    assert format(seed, "x") not in note and str(seed) not in note
    assert tokens.read_layout_note(SECRET, note, 41) == LayoutNote("ab" * 32, seed)
    # Read for another attempt, or with another key, another mask: no seed, or another one.
    for secret, attempt_id in ((SECRET, 42), ("another-secret", 41)):
        read = tokens.read_layout_note(secret, note, attempt_id)
        assert read is None or read.seed != seed
    assert tokens.layout_note(SECRET, 42, "ab" * 32, seed).split(".")[0] != note.split(".")[0]


@pytest.mark.parametrize("note", ["", "nothing", "0123.abc", "g" * 16 + ".ab", "0" * 16 + ".", "0" * 17 + ".ab",
                                  "0" * 16 + ".AB", "0" * 16 + "." + "a" * 65])
def test_what_is_not_a_note_is_none(note):
    assert tokens.read_layout_note(SECRET, note, 41) is None


@pytest.mark.parametrize("right", [True, False], ids=["a pass with a module still to read", "a fail"])
def test_a_submission_with_its_pages_note_scores_as_any_submission(uow, reads_first, right):
    agent = signed_in(uow, "noted@example.com")
    training.complete_module(uow, CATALOG, agent.user_id, "py2030/core/intro", None, NOW)
    attempt, note, right_values, wrong_values = started(uow, agent)
    scored = submit(uow, agent, attempt.id, right_values if right else wrong_values, note)
    # PostgreSQL scores from the note without reading the attempt; SQLite reads it (in the process, no round trip).
    assert reads_first == ([attempt.id] if uow.is_sqlite else [])
    assert (scored.id, scored.number, scored.seed, scored.passed) == (attempt.id, 1, attempt.seed, right)
    assert scored.deadline == attempt.deadline and scored.content_hash == attempt.content_hash
    status, percent, passed, timed_out, items, events = recorded(uow, attempt.id)
    assert (status, percent, passed, timed_out) == ("submitted", scored.percent, right, False)
    assert items == len(exams.attempt_exam(uow.session, attempt)[1].questions)
    assert [(event["exam"], event["number"], event["passed"]) for event in events] == [(EXAM, 1, right)]
    again = submit(uow, agent, attempt.id, right_values, note)  # a second tab: the recorded result
    assert again.percent == scored.percent and len(recorded(uow, attempt.id)[-1]) == 1


def _another_attempts(uow, agent: Agent, attempt: Attempt, note: str) -> str:
    other = signed_in(uow, "other@example.com")
    return started(uow, other)[1]


def _another_seed(uow, agent: Agent, attempt: Attempt, note: str) -> str:
    return tokens.layout_note(SECRET, attempt.id, attempt.content_hash, attempt.seed ^ 1)


def _another_version(uow, agent: Agent, attempt: Attempt, note: str) -> str:
    return tokens.layout_note(SECRET, attempt.id, "0" * 64, attempt.seed)


def _another_secret(uow, agent: Agent, attempt: Attempt, note: str) -> str:
    return tokens.layout_note("another-secret", attempt.id, attempt.content_hash, attempt.seed)


def _deadline_passed(uow, agent: Agent, attempt: Attempt, note: str) -> str:
    with uow.write() as session:
        session.execute(update(Attempt).where(Attempt.id == attempt.id).values(deadline=NOW - dt.timedelta(hours=1)))
    return note


NOT_THIS_ATTEMPTS = {"another attempt's note": _another_attempts, "another seed": _another_seed,
                     "a version never stored": _another_version, "masked with another key": _another_secret,
                     "its deadline passed meanwhile": _deadline_passed}


@pytest.mark.parametrize("case", NOT_THIS_ATTEMPTS)
def test_a_note_that_does_not_describe_the_open_attempt_leaves_it_to_the_usual_way(uow, reads_first, case):
    agent = signed_in(uow, "noted@example.com")
    attempt, note, right_values, _wrong = started(uow, agent)
    given = NOT_THIS_ATTEMPTS[case](uow, agent, attempt, note)
    scored = submit(uow, agent, attempt.id, right_values, given, confirmed=True)
    assert reads_first == [attempt.id]  # read, then scored the usual way
    late = case == "its deadline passed meanwhile"  # scored with the answers saved before: none
    assert (scored.passed, scored.timed_out) == (not late, late)
    status, percent, passed, timed_out, _items, events = recorded(uow, attempt.id)
    assert (status, percent, passed, timed_out, len(events)) == ("submitted", scored.percent, not late, late, 1)


def _someone_elses_claim(uow, agent: Agent) -> tuple[int, Claim]:
    someone = signed_in(uow, "someone@example.com")
    return someone.user_id, someone.claim


def _claim_for_someone_else(uow, agent: Agent) -> tuple[int, Claim]:
    """The agent's own claim, handed in with another agent's id as the one submitting."""
    return signed_in(uow, "someone@example.com").user_id, agent.claim


NOT_THE_AGENTS_OWN: dict[str, Callable[..., tuple[int, Claim]]] = {
    **{name: (lambda uow, agent, meanwhile=meanwhile: (agent.user_id, meanwhile(uow, agent)))
       for name, meanwhile in NO_LONGER_HOLDS.items()},
    "another agent's claim, submitting as themselves": _someone_elses_claim,
    "the agent's claim, another agent submitting": _claim_for_someone_else,
}


@pytest.mark.parametrize("case", NOT_THE_AGENTS_OWN)
def test_a_note_scores_nothing_unless_the_claim_holds_for_the_agent_submitting(uow, case):
    agent = signed_in(uow, "noted@example.com")
    attempt, note, right_values, _wrong = started(uow, agent)
    submitting, claim = NOT_THE_AGENTS_OWN[case](uow, agent)
    with pytest.raises(NotFound):
        exams.submit_attempt(uow, CATALOG, attempt.id, submitting, getter(right_values), NOW, True,
                             claim=claim, note=tokens.read_layout_note(SECRET, note, attempt.id))
    assert recorded(uow, attempt.id)[0] == "in_progress"


def test_a_question_left_unanswered_with_a_note_still_asks_first(uow):
    agent = signed_in(uow, "noted@example.com")
    attempt, note, right_values, _wrong = started(uow, agent)
    _version, layout = exams.attempt_exam(uow.session, attempt)
    first = f"q-{layout.questions[0].question_id}"  # every field of the question shown first
    left_out = {name: value for name, value in right_values.items() if name != first and not name.startswith(f"{first}-")}
    with pytest.raises(exams.Unanswered):
        submit(uow, agent, attempt.id, left_out, note)
    assert recorded(uow, attempt.id)[0] == "in_progress"


def test_a_pass_that_completes_the_track_with_a_note_records_the_completion(uow, reads_first):
    agent = signed_in(uow, "noted@example.com")
    for module in ("py2030/core/intro", "py2030/core/rules"):
        training.complete_module(uow, CATALOG, agent.user_id, module, None, NOW)
    attempt, note, right_values, _wrong = started(uow, agent)
    assert submit(uow, agent, attempt.id, right_values, note).passed
    assert reads_first == [attempt.id]  # the note's statement wrote nothing: the usual way recorded both
    uow.end_reads()
    assert uow.session.scalar(select(TrackCompletion.track_key).where(TrackCompletion.user_id == agent.user_id)) == (
        "py2030/core")
    assert len(recorded(uow, attempt.id)[-1]) == 1


# --- the autosave ---------------------------------------------------------------------------------


@pytest.fixture
def facts_read(monkeypatch) -> list[int]:
    """Each time an autosave reads its attempt's owner, version and seed."""
    seen: list[int] = []
    real = autosave.attempt_facts

    def counted(connection, attempt_id):
        seen.append(attempt_id)
        return real(connection, attempt_id)

    monkeypatch.setattr(autosave, "attempt_facts", counted)
    return seen


def saved_answers(uow, attempt_id: int) -> dict | None:
    uow.end_reads()
    return uow.session.get(Attempt, attempt_id, populate_existing=True).answers


def autosave_with(uow, agent: Agent, attempt_id: int, values: dict[str, list[str]], note: str | None):
    read = tokens.read_layout_note(SECRET, note, attempt_id) if note is not None else None
    return autosave.save_if_signed_in(uow, agent.claim, attempt_id, getter(values), NOW, note=read)


def test_a_first_autosave_with_its_pages_note_keeps_the_answers_without_reading_the_attempt(uow, facts_read):
    agent = signed_in(uow, "noted@example.com")
    attempt, note, right_values, wrong_values = started(uow, agent)
    assert autosave_with(uow, agent, attempt.id, right_values, note) == NOW
    kept = saved_answers(uow, attempt.id)
    assert autosave_with(uow, agent, attempt.id, wrong_values, None) == NOW  # remembered: no note needed
    assert facts_read == []
    version, layout = exams.attempt_exam(uow.session, attempt)
    assert kept == exams.read_answers(version, layout, getter(right_values)) != saved_answers(uow, attempt.id)


@pytest.mark.parametrize("case", ["another attempt's note", "another seed", "a version never stored",
                                  "masked with another key"])
def test_an_autosave_with_a_note_not_of_the_attempt_writes_nothing_and_is_left_to_the_usual_way(uow, facts_read,
                                                                                                 case):
    agent = signed_in(uow, "noted@example.com")
    attempt, note, right_values, _wrong = started(uow, agent)
    given = NOT_THIS_ATTEMPTS[case](uow, agent, attempt, note)
    if tokens.read_layout_note(SECRET, given, attempt.id) is None:  # unmasked to no seed at all: as if none was sent
        assert autosave_with(uow, agent, attempt.id, right_values, given) == NOW
        assert facts_read == [attempt.id]
        return
    assert autosave_with(uow, agent, attempt.id, right_values, given) is None
    assert saved_answers(uow, attempt.id) in (None, {})
    # What the note said was not remembered: the next autosave reads the attempt and keeps the answers.
    assert autosave_with(uow, agent, attempt.id, right_values, None) == NOW
    assert facts_read == [attempt.id] and saved_answers(uow, attempt.id)


def test_an_autosave_with_a_note_for_someone_no_longer_signed_in_writes_nothing(uow):
    agent = signed_in(uow, "noted@example.com")
    attempt, note, right_values, _wrong = started(uow, agent)
    claim = NO_LONGER_HOLDS["signed out everywhere"](uow, agent)
    assert autosave_with(uow, Agent(agent.user_id, claim), attempt.id, right_values, note) is None
    assert saved_answers(uow, attempt.id) in (None, {})
