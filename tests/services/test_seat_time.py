"""Seat time is counted on the server: from the page's signed opening time, bounded, and never twice."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from lms.models import AuditEntry, ModuleProgress
from lms.services import accounts, progress, training
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import player_catalog

CATALOG = player_catalog()
OPENED = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
MODULE = "py2030/core/intro"


def at(**delta) -> dt.datetime:
    return OPENED + dt.timedelta(**delta)


def spent(uow, user_id: int) -> int:
    row = uow.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == user_id,
                                                          ModuleProgress.module_key == MODULE))
    return row.seconds_spent if row else 0


def agent(uow) -> int:
    return accounts.create_account(uow, "reader@example.com", TEST_PASSWORD).id


def test_heartbeats_count_the_time_that_passed_since_the_page_opened(uow):
    user_id = agent(uow)
    progress.heartbeat(uow, user_id, MODULE, OPENED, at(seconds=60))
    assert spent(uow, user_id) == 60
    progress.heartbeat(uow, user_id, MODULE, OPENED, at(seconds=120))
    progress.heartbeat(uow, user_id, MODULE, OPENED, at(seconds=180))
    assert spent(uow, user_id) == 180


def test_replaying_an_old_request_adds_only_what_really_passed(uow):
    user_id = agent(uow)
    progress.heartbeat(uow, user_id, MODULE, OPENED, at(seconds=3))
    for _ in range(20):  # the same request again and again, at the same moment
        progress.heartbeat(uow, user_id, MODULE, OPENED, at(seconds=3))
    assert spent(uow, user_id) == 3
    progress.heartbeat(uow, user_id, MODULE, OPENED, at(seconds=10))
    assert spent(uow, user_id) == 10


def test_an_absence_counts_at_most_a_little_and_a_page_without_a_valid_note_counts_nothing(uow):
    user_id = agent(uow)
    progress.heartbeat(uow, user_id, MODULE, OPENED, at(seconds=60))
    progress.heartbeat(uow, user_id, MODULE, OPENED, at(hours=2))  # away two hours, then one beat
    assert spent(uow, user_id) == 60 + 150
    progress.heartbeat(uow, user_id, MODULE, None, at(hours=2, seconds=60))
    assert spent(uow, user_id) == 60 + 150


def test_reading_without_javascript_counts_from_opening_to_mark_complete(uow):
    user_id = agent(uow)
    row = training.complete_module(uow, CATALOG, user_id, MODULE, OPENED, at(minutes=10)).progress
    assert row.seconds_spent == 600 and row.completed_at == at(minutes=10)
    other = accounts.create_account(uow, "slow@example.com", TEST_PASSWORD).id
    assert training.complete_module(uow, CATALOG, other, MODULE, OPENED, at(hours=3)).progress.seconds_spent == 30 * 60


def test_a_page_opened_before_the_last_count_starts_nothing_new(uow):
    user_id = agent(uow)
    progress.heartbeat(uow, user_id, MODULE, OPENED, at(minutes=2))
    progress.heartbeat(uow, user_id, MODULE, OPENED - dt.timedelta(hours=5), at(minutes=2))  # an older page
    assert spent(uow, user_id) == 120


def catalog_with_minimum(program_percent, track_percent=None):
    """The player catalog where the program (and perhaps the core track) asks for a share of `minutes`."""
    catalog = player_catalog()
    program = dataclasses.replace(catalog.programs["py2030"], minimum_time_percent=program_percent)
    track = dataclasses.replace(catalog.tracks["py2030/core"], minimum_time_percent=track_percent)
    return dataclasses.replace(catalog, programs={**catalog.programs, "py2030": program},
                               tracks={**catalog.tracks, "py2030/core": track})


def test_a_minimum_share_of_minutes_is_needed_before_a_module_completes(uow):
    catalog = catalog_with_minimum(50)  # the intro's 5 minutes: at least 150 seconds
    intro = catalog.modules["py2030/core/intro"]
    assert catalog.minimum_seconds(intro) == 150
    user_id = accounts.create_account(uow, "reader@example.com", TEST_PASSWORD).id
    opened = at(minutes=-1)
    early = training.complete_module(uow, catalog, user_id, intro.key, opened, OPENED)
    assert early.seconds_short == 90 and early.progress.completed_at is None
    assert uow.session.scalar(select(ModuleProgress.seconds_spent)) == 60  # the minute read is kept
    replayed = training.complete_module(uow, catalog, user_id, intro.key, opened, OPENED)
    assert replayed.seconds_short == 90  # sending it again adds no time
    later = training.complete_module(uow, catalog, user_id, intro.key, opened, at(minutes=2))
    assert later.seconds_short == 0 and later.progress.completed_at is not None


def test_a_track_overrides_the_programs_minimum_and_no_minimum_is_the_default(uow):
    intro_key = "py2030/core/intro"
    assert catalog_with_minimum(None).minimum_seconds(catalog_with_minimum(None).modules[intro_key]) == 0
    relaxed = catalog_with_minimum(50, track_percent=0)
    assert relaxed.minimum_seconds(relaxed.modules[intro_key]) == 0
    stricter = catalog_with_minimum(50, track_percent=100)
    assert stricter.minimum_seconds(stricter.modules[intro_key]) == 300
    user_id = accounts.create_account(uow, "quick@example.com", TEST_PASSWORD).id
    done = training.complete_module(uow, relaxed, user_id, intro_key, None, OPENED)
    assert done.seconds_short == 0 and done.progress.completed_at is not None


def test_marking_a_module_complete_again_keeps_the_first_completion_and_records_one_event(uow):
    user_id = agent(uow)
    first = training.complete_module(uow, CATALOG, user_id, MODULE, OPENED, at(minutes=5))
    again = training.complete_module(uow, CATALOG, user_id, MODULE, OPENED, at(minutes=9))
    assert first.progress.completed_at == again.progress.completed_at == at(minutes=5)
    assert again.progress.seconds_spent == 9 * 60  # the later visit's time still counts
    completions = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "module.completed")).all()
    assert [(entry.subject_user_id, entry.details) for entry in completions] == [
        (user_id, {"module": MODULE, "seconds_spent": 5 * 60})]
