"""Services emit a domain event for each thing that happened: an audit entry and an outbox row, together."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from lms import events
from lms.models import AuditEntry, OutboxEvent, ProducerRecord, TrackCompletion
from lms.services import accounts, exams, people, training
from lms.services.errors import FieldErrors
from lms.services.profiles import ProfileInput, save_profile
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)


def names(session, model, column):
    return [getattr(row, column) for row in session.scalars(select(model).order_by(model.id))]


def test_an_agents_year_emits_each_event_once(uow):
    admin = accounts.create_account(uow, "admin@example.com", TEST_PASSWORD, role="admin")
    agent = accounts.create_account(uow, "agent@example.com", TEST_PASSWORD)
    with uow.write() as session:
        session.add(ProducerRecord(npn="1234567", name="Ana Ruiz", resident_state="TX", license_active=True,
                                   health_authority=True))
    save_profile(uow, agent.id, ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100"))
    people.attest_identity(uow, agent.id, admin.id)
    accounts.set_role(uow, agent.id, "author", admin.id)
    accounts.set_role(uow, agent.id, "learner", admin.id)
    for key in ("py2030/core/intro", "py2030/core/rules"):
        training.complete_module(uow, CATALOG, agent.id, key, None, NOW)
        training.complete_module(uow, CATALOG, agent.id, key, None, NOW)  # again: nothing new happens
    exam = CATALOG.exams["py2030/core/rules"]
    for right in (True, True):  # a second pass does not complete the track again
        attempt = exams.start_attempt(uow, CATALOG, exam, agent.id, NOW)
        version, layout = exams.attempt_exam(uow.session, attempt)
        exams.submit_attempt(uow, CATALOG, attempt.id, agent.id, getter(answer_values(version, layout, right)), NOW)
    expected = ["account.created", "account.created", "profile.saved", "identity.attested", "role.changed",
                "role.changed", "module.completed", "module.completed", "attempt.started", "attempt.scored",
                "track.completed", "attempt.started", "attempt.scored"]
    session = uow.session
    assert names(session, AuditEntry, "action") == expected
    assert names(session, OutboxEvent, "name") == expected  # written together, in the same transactions
    assert [(row.track_key, row.program_key) for row in session.scalars(select(TrackCompletion))] == [
        ("py2030/core", "py2030")]
    completed = session.scalars(select(OutboxEvent).where(OutboxEvent.name == "track.completed")).one()
    assert completed.payload == {"actor_id": agent.id, "subject_user_id": agent.id, "track": "py2030/core",
                                 "program": "py2030"}


def test_a_rolled_back_action_leaves_no_event(uow):
    accounts.create_account(uow, "taken@example.com", TEST_PASSWORD)
    with pytest.raises(FieldErrors):
        accounts.create_account(uow, "taken@example.com", TEST_PASSWORD)
    assert names(uow.session, OutboxEvent, "name") == ["account.created"]


def test_unknown_event_names_are_refused(uow):
    with pytest.raises(ValueError, match="unknown event"), uow.write() as session:
        events.emit(session, "attempt.scord", actor_id=None)


def test_the_audit_entry_and_the_outbox_row_record_the_same_event(uow):
    # On PostgreSQL both rows come from one statement, on SQLite from two: the same values either way.
    agent = accounts.create_account(uow, "agent@example.com", TEST_PASSWORD)
    before = dt.datetime.now(dt.UTC)
    exam = CATALOG.exams["py2030/core/rules"]
    attempt = exams.start_attempt(uow, CATALOG, exam, agent.id, NOW)
    session = uow.session
    audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    outbox = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id.desc())).first()
    details = {"attempt": attempt.id, "exam": exam.key, "number": 1, "content_hash": exam.content_hash}
    assert (audit.action, audit.actor_id, audit.subject_user_id, audit.details) == (
        "attempt.started", agent.id, agent.id, details)
    assert (outbox.name, outbox.payload, outbox.fanned_out) == (
        "attempt.started", {"actor_id": agent.id, "subject_user_id": agent.id, **details}, False)
    for moment in (audit.at, outbox.created_at):
        assert before <= moment <= dt.datetime.now(dt.UTC)


def test_a_start_wakes_an_in_process_dispatcher_once_it_commits(uow):
    # On PostgreSQL the attempt and its event are one statement (events.inserted_with_event), not `emit`.
    agent = accounts.create_account(uow, "agent@example.com", TEST_PASSWORD)
    events.committed_events.clear()
    exams.start_attempt(uow, CATALOG, CATALOG.exams["py2030/core/rules"], agent.id, NOW)
    assert events.committed_events.is_set()
    events.committed_events.clear()
    exams.start_attempt(uow, CATALOG, CATALOG.exams["py2030/core/rules"], agent.id, NOW)  # resumed: no event
    assert not events.committed_events.is_set()


@pytest.mark.parametrize("right", [True, False])
def test_a_scores_audit_entry_and_outbox_row_hold_the_same_values_on_each_database(uow, right):
    # On PostgreSQL the score, its per-question rows and its event are one statement (score_write), on
    # SQLite three: the event's values must not depend on which.
    agent = accounts.create_account(uow, "agent@example.com", TEST_PASSWORD)
    exam = CATALOG.exams["py2030/core/rules"]
    attempt = exams.start_attempt(uow, CATALOG, exam, agent.id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    events.committed_events.clear()
    scored = exams.submit_attempt(uow, CATALOG, attempt.id, agent.id, getter(answer_values(version, layout, right)),
                                  NOW)
    assert events.committed_events.is_set()  # the dispatcher is woken once the score commits
    session = uow.session
    audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    outbox = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id.desc())).first()
    details = {"attempt": attempt.id, "exam": exam.key, "number": 1, "percent": scored.percent,
               "passed": right, "timed_out": False}
    assert scored.percent == (100.0 if right else 0.0)
    assert (audit.action, audit.actor_id, audit.subject_user_id, audit.details) == (
        "attempt.scored", agent.id, agent.id, details)
    assert (outbox.name, outbox.payload, outbox.fanned_out) == (
        "attempt.scored", {"actor_id": agent.id, "subject_user_id": agent.id, **details}, False)
    # Stored as JSONText stores every other event, its keys sorted, whichever statement wrote it.
    assert list(audit.details) == sorted(details) and list(outbox.payload) == sorted(outbox.payload)
