"""On PostgreSQL the usual start and the usual score are each one statement that commits by itself, with
no transaction around it. A pass that may complete its track records the completion in the same
transaction as the pass, and two starts at once still make one attempt. SQLite keeps every write in a
write transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select, text

from lms import db
from lms.db import Database
from lms.models import Attempt, OutboxEvent, TrackCompletion
from lms.services import accounts, exam_start, exams, training
from tests.support.apps import TEST_PASSWORD, truncate_all
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()
EXAM = CATALOG.exams["py2030/core/rules"]  # the last step of the track py2030/core, after its two modules
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def commits(uow):
    """Each write transaction the unit of work's database commits."""
    seen: list[int] = []

    def committed(_connection):
        seen.append(1)

    event.listen(uow.database.engine, "commit", committed)
    yield seen
    event.remove(uow.database.engine, "commit", committed)


def agent_with(uow, email: str, modules: tuple[str, ...]) -> int:
    agent = accounts.create_account(uow, email, TEST_PASSWORD).id
    for key in modules:
        training.complete_module(uow, CATALOG, agent, key, None, NOW)
    return agent


def started_with_answers(uow, agent: int, right: bool):
    """A new attempt, its layout and the form answering it (all right, or all wrong)."""
    attempt = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    values = getter(answer_values(version, layout, right))
    uow.end_reads()
    return attempt, layout, values


def submit(uow, agent: int, right: bool) -> exams.Submitted:
    attempt, _layout, values = started_with_answers(uow, agent, right)
    return exams.submit_attempt(uow, CATALOG, attempt.id, agent, values, NOW)


def event_names(uow, agent: int) -> list[str]:
    uow.end_reads()
    return [row.name for row in uow.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
            if row.payload.get("subject_user_id") == agent]


@pytest.mark.parametrize("right", [False, True], ids=["a fail", "a pass with a module still to read"])
def test_a_score_that_cannot_complete_the_track_commits_alone_on_postgresql(uow, commits, right):
    agent = agent_with(uow, "alone@example.com", ("py2030/core/intro",))
    attempt, layout, values = started_with_answers(uow, agent, right)
    db.committed_events.clear()
    before = len(commits)
    submitted = exams.submit_attempt(uow, CATALOG, attempt.id, agent, values, NOW)
    assert len(commits) - before == (1 if uow.is_sqlite else 0)
    assert db.committed_events.is_set()  # an in-process dispatcher is woken, as after a commit
    assert submitted.passed is right
    # Seen from a connection of its own: the score and its event are committed, the track is not complete.
    with uow.database.engine.connect() as other:
        assert other.execute(select(Attempt.status, Attempt.passed).where(Attempt.id == attempt.id)).one() == (
            "submitted", right)
        assert other.scalar(select(TrackCompletion.id).where(TrackCompletion.user_id == agent)) is None
        assert other.scalar(text("SELECT count(*) FROM attempt_items WHERE attempt_id = :id"),
                            {"id": attempt.id}) == len(layout.questions)
    assert event_names(uow, agent)[-2:] == ["attempt.started", "attempt.scored"]


def test_the_score_alone_waits_for_the_disk(postgres_url):
    """PostgreSQL's alone: SQLite's scores are always in a write transaction."""
    truncate_all(postgres_url)
    database = Database(postgres_url)
    try:
        with database.unit_of_work() as work:
            with work.statement_alone() as connection:
                assert connection.connection.driver_connection.autocommit
                assert connection.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"
            with work.write_rows(), pytest.raises(RuntimeError), work.statement_alone():
                pass  # never inside a write: it would not be alone
        with database.unit_of_work() as work:
            work.session.execute(text("SELECT 1"))  # an ORM session's reads hold a transaction open
            with work.statement_alone() as connection:
                assert connection.connection.driver_connection.autocommit
                assert connection is not work.connection
    finally:
        database.dispose()


def test_a_pass_that_completes_the_track_records_it_in_the_same_transaction(uow):
    agent = agent_with(uow, "last@example.com", ("py2030/core/intro", "py2030/core/rules"))
    attempt, _layout, values = started_with_answers(uow, agent, True)
    seen_before_commits: list[str] = []

    def about_to_commit(_connection):  # what another connection sees just before each commit
        with uow.database.engine.connect() as other:
            seen_before_commits.append(other.scalar(select(Attempt.status).where(Attempt.id == attempt.id)))

    event.listen(uow.database.engine, "commit", about_to_commit)
    try:
        assert exams.submit_attempt(uow, CATALOG, attempt.id, agent, values, NOW).passed
    finally:
        event.remove(uow.database.engine, "commit", about_to_commit)
    # One commit, the pass and the track's completion in it: never a pass seen without the completion.
    assert seen_before_commits == ["in_progress"]
    assert event_names(uow, agent)[-3:] == ["attempt.started", "attempt.scored", "track.completed"]


def test_the_tracks_last_module_completed_meanwhile_in_another_tab_still_completes_the_track(uow, monkeypatch):
    agent = agent_with(uow, "race@example.com", ("py2030/core/intro",))
    score = exams.score_answers

    def scored_while_another_tab_completes_the_last_module(*args):
        with uow.database.unit_of_work() as other_tab:  # after the submission's read, before its write
            training.complete_module(other_tab, CATALOG, agent, "py2030/core/rules", None, NOW)
        return score(*args)

    monkeypatch.setattr(exams, "score_answers", scored_while_another_tab_completes_the_last_module)
    assert submit(uow, agent, True).passed
    completions = uow.session.scalars(select(TrackCompletion.track_key).where(TrackCompletion.user_id == agent))
    assert list(completions) == ["py2030/core"]
    assert event_names(uow, agent)[-3:] == ["module.completed", "attempt.scored", "track.completed"]


def test_a_start_commits_alone_on_postgresql_and_resuming_writes_nothing(uow, commits):
    exams.start_attempt(uow, CATALOG, EXAM, agent_with(uow, "first@example.com", ()), NOW)  # stores the version
    agent = agent_with(uow, "starts@example.com", ())
    before = len(commits)
    started = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    assert len(commits) - before == (1 if uow.is_sqlite else 0)
    with uow.database.engine.connect() as other:  # committed, as its own transaction
        assert other.scalar(select(Attempt.number).where(Attempt.id == started.id)) == 1
    before = len(commits)
    again = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW + dt.timedelta(minutes=1))
    assert again == started
    if not uow.is_sqlite:
        assert len(commits) == before  # the open attempt, read: nothing to write
    assert event_names(uow, agent) == ["account.created", "attempt.started"]


def test_another_tabs_start_between_the_read_and_the_insert_leaves_one_attempt(uow, monkeypatch):
    exams.start_attempt(uow, CATALOG, EXAM, agent_with(uow, "first@example.com", ()), NOW)  # stores the version
    agent = agent_with(uow, "tabs@example.com", ())
    seed = exam_start.new_seed
    other_tab: list[exams.Started] = []
    seeds: list[int] = []

    def seed_while_another_tab_starts():
        seeds.append(1)
        if len(seeds) == 1:  # after this start read no attempt, before it inserts one
            with uow.database.unit_of_work() as tab:
                other_tab.append(exams.start_attempt(tab, CATALOG, EXAM, agent, NOW))
        return seed()

    monkeypatch.setattr(exam_start, "new_seed", seed_while_another_tab_starts)
    if uow.is_sqlite:  # SQLite's start reads and inserts behind its write gate: no other tab gets between
        with uow.database.unit_of_work() as tab:
            other_tab.append(exams.start_attempt(tab, CATALOG, EXAM, agent, NOW))
    started = exams.start_attempt(uow, CATALOG, EXAM, agent, NOW)
    assert started.id == other_tab[0].id
    uow.end_reads()
    assert list(uow.session.scalars(select(Attempt.number).where(Attempt.user_id == agent))) == [1]
    assert event_names(uow, agent) == ["account.created", "attempt.started"]
