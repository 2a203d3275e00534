"""Exports and API tokens in a real browser: a CSV downloaded, a token made and revoked by keyboard, axe-clean."""

from __future__ import annotations

import pytest

from lms.services import accounts
from tests.support.apps import TEST_PASSWORD
from tests.support.browser import axe_violations

pytestmark = pytest.mark.browser


def fits(page, kind: str) -> None:
    """No axe violations on a desk and on a 390px phone, where nothing is wider than the screen."""
    assert axe_violations(page) == [], kind
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the {kind} page is {overflow}px wider than a 390px phone"
    assert axe_violations(page) == [], f"{kind} on a phone"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_admin_downloads_a_csv_and_makes_and_revokes_a_token(page, site_app):
    with site_app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, "export-admin@example.com", TEST_PASSWORD, role="admin")
        accounts.create_account(uow, "export-agent@example.com", TEST_PASSWORD)
    page.goto("/account/sign-in")
    page.get_by_label("Email address").fill("export-admin@example.com")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")
    page.goto("/admin/users")
    page.get_by_role("link", name="Exports").click()
    page.get_by_role("heading", name="Exports", level=1).wait_for()
    fits(page, "exports")
    form = page.get_by_role("form", name="People CSV")
    assert form.get_by_label("Role").input_value() == "learner"
    with page.expect_download() as download:
        form.get_by_role("button", name="Download people (CSV)").click()
    lines = open(download.value.path()).read().splitlines()  # noqa: SIM115 - the browser's temporary file
    assert lines[0].startswith("user_id,email,role,") and len(lines) == 2 and "export-agent@example.com" in lines[1]

    page.get_by_role("link", name="API token").first.click()
    page.get_by_role("heading", name="API tokens").wait_for()
    page.get_by_label("Name").focus()
    page.keyboard.type("Nightly warehouse export")
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    alert.wait_for()
    secret = page.get_by_label("Your new token").input_value()
    assert secret.startswith("lms_") and "not shown again" in alert.inner_text()
    fits(page, "new token")

    page.goto("/admin/api-tokens")
    assert secret not in page.content()
    revoke = page.get_by_role("button", name="Revoke “Nightly warehouse export”")
    revoke.focus()
    page.keyboard.press("Enter")
    page.get_by_text("“Nightly warehouse export” is revoked").wait_for()
    assert page.get_by_role("table", name="API tokens, working ones first").get_by_text("Revoked").is_visible()
    fits(page, "tokens")
