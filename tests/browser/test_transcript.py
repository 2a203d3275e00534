"""The transcript in a real browser: reached from the navigation, accessible, fits a phone, downloads as PDF."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.services import accounts, exams, training
from tests.support.apps import TEST_PASSWORD
from tests.support.browser import axe_violations
from tests.support.player_tree import answer_values, getter

pytestmark = pytest.mark.browser


def agent_with_records(app, email: str) -> None:
    """An agent who read the core track, failed its exam once and then passed it."""
    catalog = app.extensions["lms.catalog"].catalog
    now = dt.datetime.now(dt.UTC)
    with app.extensions["lms.db"].unit_of_work() as uow:
        user = accounts.create_account(uow, email, TEST_PASSWORD)
        for key in ("py2030/core/intro", "py2030/core/rules"):
            training.complete_module(uow, catalog, user.id, key, now - dt.timedelta(minutes=9), now)
        exam = catalog.exams["py2030/core/rules"]
        for right in (False, True):
            attempt = exams.start_attempt(uow, catalog, exam, user.id, now)
            version, layout = exams.attempt_exam(uow.session, attempt)
            values = answer_values(version, layout, right) if right else {}
            exams.submit_attempt(uow, catalog, attempt.id, user.id, getter(values), now)


def test_the_transcript_opens_from_the_navigation_passes_axe_fits_a_phone_and_downloads(page, site_app):
    email = "transcript-agent@example.com"
    agent_with_records(site_app, email)
    page.goto("/account/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")
    page.get_by_role("link", name="Transcript", exact=True).first.click()
    page.wait_for_url("**/transcript")
    page.get_by_role("heading", name="Your training transcript").wait_for()
    core = page.get_by_role("region", name="Core Marketplace Training: modules and exams")
    assert "Exam: Rules exam" in core.inner_text() and "2 of 3" in core.inner_text()
    assert "100% (6 of 6 points)" in core.inner_text()
    assert axe_violations(page) == []

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.get_by_role("heading", name="Your training transcript").wait_for()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a 390px phone"
    assert axe_violations(page) == []  # the tables scroll inside focusable regions, which axe checks

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename.startswith("transcript-")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
