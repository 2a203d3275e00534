"""The admin console in a real browser: the people and person pages pass axe, and a grant reaches the agent."""

from __future__ import annotations

import re

import pytest

from lms.models.types import utcnow
from lms.services import accounts, exams, scoring
from lms.services.profiles import ProfileInput, save_profile
from tests.support.apps import TEST_PASSWORD
from tests.support.browser import axe_violations

pytestmark = pytest.mark.browser

EXAM = "py2030/core/rules"
AGENT, ADMIN = "locked-agent@example.com", "console-admin@example.com"


def seed_locked_agent(app) -> int:
    """An agent with a profile who used every attempt at the rules exam without passing; an admin."""
    catalog = app.extensions["lms.catalog"].catalog
    exam = catalog.exams[EXAM]
    with app.extensions["lms.db"].unit_of_work() as uow:
        agent = accounts.create_account(uow, AGENT, TEST_PASSWORD)
        accounts.create_account(uow, ADMIN, TEST_PASSWORD, role="admin")
        save_profile(uow, agent.id, ProfileInput("Lena", "Marsh", "3456789", False, "TX", ["TX"], "5125550100"),
                     catalog, catalog.programs["py2030"])
        for _ in range(exam.attempts):
            attempt = exams.start_attempt(uow, catalog, exam, agent.id, utcnow())
            version, layout = exams.attempt_exam(uow.session, attempt)
            form = scoring.form_for(version, layout, False)
            exams.submit_attempt(uow, catalog, attempt.id, agent.id, lambda name, form=form: form.get(name, []),
                                 utcnow())
    return agent.id


def sign_in(page, email: str) -> None:
    page.goto("/account/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(home|admin.*|profile)$"))


def test_an_admin_finds_a_locked_out_agent_grants_an_attempt_and_the_agent_can_start_it(browser, site, site_app):
    agent_id = seed_locked_agent(site_app)
    admin = browser.new_context(base_url=site, bypass_csp=True).new_page()
    admin.set_default_timeout(15000)
    sign_in(admin, ADMIN)

    admin.goto("/admin/users")
    admin.get_by_label("Training").select_option("locked")
    admin.get_by_role("button", name="Show").click()
    admin.wait_for_url(re.compile(r".*training=locked.*"))
    assert admin.get_by_role("status").filter(has_text="Showing").inner_text().startswith("Showing 1–1 of 1")
    assert axe_violations(admin) == []
    admin.get_by_role("link", name="Lena Marsh").click()
    admin.wait_for_url(f"**/admin/users/{agent_id}")
    admin.get_by_role("heading", name="Lena Marsh", level=1).wait_for()
    assert axe_violations(admin) == []

    admin.get_by_role("link", name="Answers of Rules exam, attempt 1").click()
    admin.get_by_role("heading", name="Rules exam, attempt 1").wait_for()
    assert axe_violations(admin) == []
    admin.go_back()

    admin.get_by_label("Why grant one more attempt at Rules exam").fill("The exam page failed to load twice")
    admin.get_by_role("button", name="Grant one more attempt").click()
    admin.get_by_text("One more attempt at “Rules exam” granted").wait_for()
    log = admin.locator("table", has=admin.get_by_role("columnheader", name="By")).inner_text()
    assert "attempt.granted" in log and "The exam page failed to load twice" in log
    assert "console-admin@example.com" in log

    agent = browser.new_context(base_url=site, bypass_csp=True).new_page()
    agent.set_default_timeout(15000)
    sign_in(agent, AGENT)
    agent.goto(f"/exams/{EXAM}")
    agent.get_by_role("button", name="Start attempt 4").click()
    agent.wait_for_url(re.compile(r".*/attempts/\d+$"))
