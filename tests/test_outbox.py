"""The event outbox: every event reaches every interested handler exactly once, even across crashes and workers."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select

from lms import events, outbox
from lms.config import PROJECT_ROOT
from lms.models import OutboxDelivery
from lms.outbox import Dispatcher, Handler
from lms.services import accounts

START = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)


class FakeClock:
    def __init__(self):
        self.now = START

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += dt.timedelta(**delta)


def emit_many(database, count: int, name: str = "attempt.started") -> None:
    with database.unit_of_work() as uow, uow.write() as session:
        for n in range(1, count + 1):
            events.emit(session, name, actor_id=None, n=n)


def recording(name: str, wanted: set[str], seen: list, fail_times: int = 0) -> Handler:
    failures = {"left": fail_times}

    def deliver(delivery):
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("mail server is away")
        seen.append((delivery.event_id, delivery.name))

    return Handler(name, frozenset(wanted), deliver)


def test_each_event_reaches_each_interested_handler_once(database):
    everything, starts = [], []
    dispatcher = Dispatcher(database, [recording("all", set(events.EVENTS), everything),
                                       recording("starts", {"attempt.started"}, starts)])
    with database.unit_of_work() as uow:
        accounts.create_account(uow, "events@example.com", "correct horse battery staple")
    emit_many(database, 3)
    report = dispatcher.run_until_idle(batch=2)
    assert (report.delivered, report.failed) == (7, 0)
    assert [name for _, name in everything] == ["account.created"] + ["attempt.started"] * 3
    assert len(starts) == 3
    assert dispatcher.run_until_idle().handled == 0  # nothing is delivered twice
    assert outbox.status(database) == {"waiting": 0, "pending": 0, "done": 7, "failed": 0}


def test_a_failing_handler_is_retried_with_backoff_and_its_error_recorded(database):
    clock, seen = FakeClock(), []
    dispatcher = Dispatcher(database, [recording("flaky", {"attempt.started"}, seen, fail_times=2)], clock=clock)
    emit_many(database, 1)
    assert dispatcher.run_once().failed == 1
    with database.reading() as session:
        row = session.scalar(select(OutboxDelivery))
        assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, START + dt.timedelta(seconds=30))
        assert row.last_error == "ConnectionError: mail server is away"
    assert dispatcher.run_once().handled == 0  # not due yet
    clock.advance(seconds=31)
    assert dispatcher.run_once().failed == 1  # second failure: next try a minute later
    clock.advance(seconds=59)
    assert dispatcher.run_once().handled == 0
    clock.advance(seconds=2)
    assert dispatcher.run_once().delivered == 1 and len(seen) == 1
    with database.reading() as session:
        row = session.scalar(select(OutboxDelivery))
        assert (row.status, row.attempts, row.last_error) == ("done", 3, "")


def test_deliveries_that_always_fail_stop_and_can_be_retried(database):
    clock = FakeClock()
    dispatcher = Dispatcher(database, [recording("broken", {"attempt.started"}, [], fail_times=10**6)], clock=clock)
    emit_many(database, 1)
    for _ in range(outbox.MAX_ATTEMPTS):
        assert dispatcher.run_once().failed == 1
        clock.advance(hours=2)
    assert dispatcher.run_once().handled == 0
    assert outbox.status(database)["failed"] == 1
    assert outbox.retry_failed(database) == 1
    assert outbox.status(database)["pending"] == 1


def test_password_change_emails_the_account_holder(app, make_user):
    user = make_user(email="notify@example.com")
    database = app.extensions["lms.db"]
    with database.unit_of_work() as uow:
        accounts.change_password(uow, user.id, "correct horse battery staple", "a brand new passphrase")
    report = app.extensions["lms.outbox"].run_until_idle()
    assert (report.delivered, report.failed) == (2, 0)  # account.created (confirmed already: no email) and this
    files = list((PROJECT_ROOT / app.config["INSTANCE_PATH"] / "outbox").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "notify@example.com" and "password was changed" in message["Subject"]
    assert message["Message-ID"].startswith("<outbox-")
    assert "/account/reset" in message.get_content()


def _worker(db_url: str, tmp_path, record, **env):
    environment = {**os.environ, "DATABASE_URL": db_url, "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
                   "SECRET_KEY": "test", "LMS_INTEGRATIONS": "tests.support.recorder:handler",
                   "LMS_TEST_RECORD": str(record), "PYTHONPATH": str(PROJECT_ROOT),
                   "LMS_CONTENT_ROOT": str(PROJECT_ROOT), **env}
    lms = os.path.join(os.path.dirname(sys.executable), "lms")
    return subprocess.Popen([lms, "outbox", "--batch", "20"], env=environment, cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_worker_killed_half_way_leaves_the_rest_to_a_retry_and_nothing_runs_twice(db_url, tmp_path):
    from lms.db import Database

    database = Database(db_url)
    emit_many(database, 1000)
    record = tmp_path / "delivered.txt"
    killed = _worker(db_url, tmp_path, record, LMS_TEST_KILL_AT="500", LMS_OUTBOX_LEASE_SECONDS="1")
    killed.communicate(timeout=120)
    assert killed.returncode == -9
    first_run = record.read_text().splitlines()
    assert 0 < len(first_run) < 1000
    time.sleep(1.5)  # the dead worker's leases run out
    retry = _worker(db_url, tmp_path, record)
    out, err = retry.communicate(timeout=120)
    assert retry.returncode == 0, err
    delivered = Counter(line.split()[0] for line in record.read_text().splitlines())
    assert len(delivered) == 1000 and set(delivered.values()) == {1}
    assert outbox.status(database) == {"waiting": 0, "pending": 0, "done": 1000, "failed": 0}
    database.dispose()


@pytest.mark.postgres
def test_two_workers_on_postgresql_share_1000_events_without_a_duplicate(postgres_url, tmp_path):
    from lms.db import Database
    from tests.support.apps import truncate_all

    truncate_all(postgres_url)
    database = Database(postgres_url)
    emit_many(database, 1000)
    record = tmp_path / "delivered.txt"
    workers = [_worker(postgres_url, tmp_path, record, LMS_TEST_DELAY="0.002") for _ in range(2)]
    for worker in workers:
        _out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
    lines = [line.split() for line in record.read_text().splitlines()]
    by_event = Counter(event_id for event_id, _ in lines)
    assert len(by_event) == 1000 and set(by_event.values()) == {1}
    assert len({pid for _, pid in lines}) == 2  # both workers took part
    database.dispose()
