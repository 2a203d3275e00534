"""Heartbeats over real HTTP: a hundred at once count the time once, and locked tracks refuse them."""

from __future__ import annotations

import re
import time

from sqlalchemy import func, select

from lms.models import AuditEntry, ModuleProgress
from tests.support.apps import make_app
from tests.support.live import live_server, run_together, signed_up

MODULE = "/learn/py2030/core/intro"


def _module_open(app, base: str, email: str):
    """A signed-up agent's browser with the module page open: (browser, the page's opened note, a CSRF token)."""
    browser = signed_up(app, base, email)
    _status, page = browser.request(MODULE)
    opened = re.search(r'data-opened="([^"]+)"', page).group(1)
    return browser, opened, browser.token(MODULE)


def test_a_hundred_parallel_heartbeats_count_the_time_that_passed_once(tmp_path, monkeypatch, db_url, player_root):
    app = make_app(tmp_path, monkeypatch, db_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01")
    with live_server(app) as base:
        browser, opened, token = _module_open(app, base, "beats@example.com")
        assert browser.request(MODULE + "/heartbeat", {"opened": opened, "csrf_token": token})[0] == 204
        time.sleep(2)
        tabs = [browser.tab() for _ in range(100)]
        results = run_together([(lambda tab=tab: tab.request(MODULE + "/heartbeat",
                                                             {"opened": opened, "csrf_token": token}))
                                for tab in tabs])
        assert {status for status, _ in results} == {204}
    with app.extensions["lms.db"].reading() as session:
        seconds = session.scalar(select(ModuleProgress.seconds_spent))
    assert 2 <= seconds <= 5, seconds  # the real time between the beats, not 100 times it, and none lost
    app.extensions["lms.db"].dispose()


def test_a_locked_track_refuses_heartbeats_like_its_pages(tmp_path, monkeypatch, sqlite_url, player_root):
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01")
    with live_server(app) as base:
        browser = signed_up(app, base, "locked@example.com")
        token = browser.token("/home")
        status, page = browser.request("/learn/py2030/shop/shop/heartbeat", {"opened": "x", "csrf_token": token})
        assert status == 403 and "Unlocks when" in page
    with app.extensions["lms.db"].reading() as session:
        assert session.scalar(select(ModuleProgress)) is None
    app.extensions["lms.db"].dispose()


def test_tabs_marking_a_module_complete_at_once_complete_it_once(tmp_path, monkeypatch, db_url, player_root):
    app = make_app(tmp_path, monkeypatch, db_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01")
    with live_server(app) as base:
        browser, opened, token = _module_open(app, base, "done@example.com")
        tabs = [browser.tab() for _ in range(20)]
        results = run_together([(lambda tab=tab: tab.request(MODULE + "/complete",
                                                             {"opened": opened, "csrf_token": token}))
                                for tab in tabs])
        assert {status for status, _ in results} == {302}  # each sent on to the next page
    with app.extensions["lms.db"].reading() as session:
        assert session.scalar(select(func.count()).select_from(ModuleProgress)
                              .where(ModuleProgress.completed_at.is_not(None))) == 1
        assert session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "module.completed")) == 1
    app.extensions["lms.db"].dispose()
