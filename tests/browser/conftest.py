"""Playwright driving Debian's chromium against a live server; axe-core injected for WCAG checks.

Outside CI a missing chromium or axe-core skips these tests; in CI (CI=true) it fails them.
"""

from __future__ import annotations

import email
import email.policy
import os
from pathlib import Path

import pytest

from tests.support.apps import IN_CI, make_app
from tests.support.browser import AXE
from tests.support.live import live_server

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]


def _require(condition: bool, message: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{message} (CI=true: browser tests must run)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    _require(Path(CHROMIUM).exists(), f"{CHROMIUM} not found; install Debian's chromium")
    _require(AXE.exists(), "axe-core not installed; run `npm install` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def site_app(tmp_path, monkeypatch, sqlite_url, player_root):
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01")
    yield app
    app.extensions["lms.db"].dispose()


@pytest.fixture
def site(site_app):
    with live_server(site_app) as base:
        yield base


@pytest.fixture
def inbox(site_app):
    """The emails the site sent to an address, newest last (the outbox delivered as a worker would)."""
    def read(address: str) -> list[email.message.EmailMessage]:
        site_app.extensions["lms.outbox"].run_until_idle()
        folder = Path(site_app.config["INSTANCE_PATH"]) / "outbox"
        messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                    for path in sorted(folder.glob("*.eml"))]
        return [message for message in messages if message["To"] == address]

    return read


@pytest.fixture
def page(browser, site):
    # bypass_csp lets the test inject axe-core; the app's own pages run under its strict CSP.
    context = browser.new_context(base_url=site, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
