"""A page's repeated questions are answered once inside its block, and afresh everywhere else."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from lms.driver_query import DriverQuery
from lms.models import User
from lms.services import accounts, player, training
from lms.services.shared_reads import remembered, shared_reads
from lms.services.transcript import transcript
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import player_catalog

CATALOG = player_catalog()
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)


class Asked:
    def __init__(self):
        self.calls = []

    def __call__(self, session, thing, number):
        self.calls.append((thing, number))
        return [thing, number]


@pytest.fixture
def asked():
    return Asked()


def test_inside_a_block_each_question_is_answered_once_and_outside_every_time(uow, asked):
    question = remembered(asked)
    thing, equal_thing = ["track"], ["track"]
    with shared_reads(uow.session):
        first = question(uow.session, thing, 7)
        assert question(uow.session, thing, 7) is first
        question(uow.session, thing, 8)  # another number: another question
        question(uow.session, equal_thing, 7)  # another object, though an equal one: another question
        with shared_reads(uow.session):  # a block inside shares the outer block's answers
            assert question(uow.session, thing, 7) is first
    assert [(id(found), number) for found, number in asked.calls] == [(id(thing), 7), (id(thing), 8),
                                                                     (id(equal_thing), 7)]
    question(uow.session, thing, 7)
    question(uow.session, thing, 7)
    assert len(asked.calls) == 5  # after the block, asked afresh


def test_numbers_and_text_are_the_same_question_by_value(uow, asked):
    question = remembered(asked)
    with shared_reads(uow.session):
        question(uow.session, "py2030/core", 10**12)
        question(uow.session, "".join(["py2030/", "core"]), int("1" + "0" * 12))  # equal, not the same objects
    assert len(asked.calls) == 1


def test_answers_end_with_the_block_even_when_it_fails(uow, asked):
    question = remembered(asked)
    with pytest.raises(RuntimeError), shared_reads(uow.session):
        question(uow.session, "a", 1)
        raise RuntimeError("the page failed")
    question(uow.session, "a", 1)
    assert len(asked.calls) == 2


def statements_of(uow, monkeypatch, build):
    """What `build()` returns, and the statements (with their parameters) it ran, through the ORM or
    on the driver (lean reads, which SQLAlchemy's events do not see)."""
    statements: list[tuple[str, str]] = []

    def note(_connection, _cursor, statement, parameters, *_):
        statements.append((statement, repr(parameters)))

    run = DriverQuery._run

    def run_noted(query, connection, params, *, first):
        statements.append((str(query.statement), repr(params)))
        return run(query, connection, params, first=first)

    engine = uow.session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    with monkeypatch.context() as patched:
        patched.setattr(DriverQuery, "_run", run_noted)
        try:
            return build(), statements
        finally:
            event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
def agent(uow):
    user = uow.session.get(User, accounts.create_account(uow, "agent@example.com", TEST_PASSWORD).id)
    training.complete_module(uow, CATALOG, user.id, "py2030/core/intro", None, NOW)
    return user


def test_the_home_page_reads_each_thing_once(uow, agent, monkeypatch):
    program = CATALOG.programs["py2030"]
    page, statements = statements_of(uow, monkeypatch, lambda: player.home_page(uow, CATALOG, agent, program))
    assert page.views[0].track.key == "py2030/core" and page.views[0].progress.modules_done == 1
    assert page.next_up is not None and page.next_up[1].module.key == "py2030/core/rules"
    # The page shows four tracks and the registration status, whose steps and the tracks' unlock
    # conditions ask again for tracks' progress and agreements: each statement is run once.
    assert statements and len(statements) == len(set(statements)), "\n".join(map(str, statements))


@pytest.mark.parametrize("track", ["py2030/extra", "py2030/hod"])
def test_a_track_page_and_the_transcript_read_each_thing_once(uow, agent, track, monkeypatch):
    program = CATALOG.programs["py2030"]
    view, statements = statements_of(uow, monkeypatch, lambda: player.track_view(
        uow, CATALOG, agent, program, CATALOG.tracks[track]))
    assert not view.unlock.unlocked and len(statements) == len(set(statements))
    found, statements = statements_of(uow, monkeypatch, lambda: transcript(
        uow.session, CATALOG, agent, NOW.date(), NOW))
    core = found.programs[0].tracks[0]
    assert core.progress.modules_done == 1 and len(statements) == len(set(statements))
