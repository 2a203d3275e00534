"""The admin's dashboard, exam statistics and attempts pages in a real browser: axe-clean, on a desk and a phone."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.models import RegistrationCompletion
from lms.services import accounts, exams
from tests.support.apps import TEST_PASSWORD
from tests.support.browser import axe_violations
from tests.support.player_tree import answer_values, getter

pytestmark = pytest.mark.browser


def records(app) -> None:
    """Four agents: three took the core exam (one passed on the second try), two completed registration."""
    catalog = app.extensions["lms.catalog"].catalog
    now = dt.datetime.now(dt.UTC)
    exam = catalog.exams["py2030/core/rules"]
    with app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, "stats-admin@example.com", TEST_PASSWORD, role="admin")
        for number, results in enumerate(([True], [False, True], [False], [])):
            user = accounts.create_account(uow, f"stats-agent{number}@example.com", TEST_PASSWORD)
            for right in results:
                attempt = exams.start_attempt(uow, catalog, exam, user.id, now)
                version, layout = exams.attempt_exam(uow.session, attempt)
                exams.submit_attempt(uow, catalog, attempt.id, user.id,
                                     getter(answer_values(version, layout, right)), now)
            if number < 2:
                with uow.write() as session:
                    session.add(RegistrationCompletion(user_id=user.id, program_key="py2030",
                                                       registration_key="individual", lapse_reason="",
                                                       completed_at=now - dt.timedelta(days=3 * number)))


def check(page, kind: str) -> None:
    assert axe_violations(page) == [], kind
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the {kind} page is {overflow}px wider than a 390px phone"
    assert axe_violations(page) == [], f"{kind} on a phone"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_dashboard_and_item_analysis_pages_are_accessible(page, site_app):
    records(site_app)
    page.goto("/account/sign-in")
    page.get_by_label("Email address").fill("stats-admin@example.com")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")
    page.goto("/admin/users")
    page.get_by_role("link", name="Dashboard and exam statistics").click()
    page.get_by_role("heading", name="Dashboard: Plan Year 2030 Registration").wait_for()
    funnel = page.get_by_role("img", name="Registration funnel: agents who reached each step")
    assert funnel.is_visible()
    assert page.locator("#funnel-chart-desc").text_content().startswith("Signed up: 4 (100%)")
    assert page.get_by_role("img", name="Pass rate per exam").count() == 1
    assert page.get_by_role("img", name="Individual Marketplace registrations completed per day").is_visible()
    check(page, "dashboard")

    page.get_by_role("link", name="Rules exam").click()
    page.get_by_role("heading", name="Scores and item analysis: Rules exam").wait_for()
    assert page.get_by_role("table", name="Questions of Version 1 (current)").is_visible()
    check(page, "exam statistics")

    page.get_by_role("link", name="Every attempt, sortable and filterable (and as CSV)").click()
    page.get_by_role("heading", name="Attempts: Rules exam").wait_for()
    page.get_by_role("link", name="Score").click()
    page.wait_for_url("**sort=percent**")
    assert page.locator("th[aria-sort]").inner_text().startswith("Score")
    page.get_by_label("Result").select_option("failed")
    page.get_by_role("button", name="Show attempts").click()
    page.get_by_text("2 attempts match").wait_for()
    check(page, "attempts")
