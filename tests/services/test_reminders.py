"""Reminders before Open Enrollment: the right one at the right time, to the right agents, once."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.services import accounts, reminders

DAYS = [30, 14, 7, 1]


@pytest.mark.parametrize(("today", "kind"), [
    (dt.date(2021, 9, 1), None),            # more than 30 days before November 1
    (dt.date(2021, 10, 2), "oe-30"),
    (dt.date(2021, 10, 20), "oe-14"),
    (dt.date(2021, 10, 31), "oe-1"),
    (dt.date(2021, 11, 1), None),           # Open Enrollment has started
])
def test_the_reminder_due_follows_the_days_before_open_enrollment(catalog, today, kind):
    assert reminders.due_kind(catalog.programs["py2022"], today, DAYS) == kind


def test_reminders_go_to_incomplete_agents_once_and_say_what_is_left(uow, catalog):
    from lms.models import OutboxEvent, ReminderSent

    program = catalog.programs["py2022"]
    agent = accounts.create_account(uow, "late@example.com", "correct horse battery staple")
    accounts.create_account(uow, "boss@example.com", "correct horse battery staple", role="admin")
    accounts.sign_up(uow, "unconfirmed@example.com", "correct horse battery staple")
    today = dt.date(2021, 10, 20)
    due = reminders.due(uow, catalog, program, today, DAYS)
    assert [(r.email, r.kind) for r in due] == [("late@example.com", "oe-14")]
    assert "Complete your agent profile with a valid NPN" in due[0].steps_left
    assert uow.session.query(ReminderSent).count() == 0  # finding them writes nothing
    assert reminders.send(uow, program, due) == 1
    assert reminders.send(uow, program, due) == 0  # sent once, however often cron runs
    assert reminders.due(uow, catalog, program, today, DAYS) == []
    event = uow.session.query(OutboxEvent).filter_by(name="registration.reminder").one()
    assert event.payload["subject_user_id"] == agent.id and event.payload["kind"] == "oe-14"
