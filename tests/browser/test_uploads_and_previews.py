"""In a real browser on a 390 px phone: an admin uploads a registry CSV, previews and imports it; an author
previews an exam with its answers. Every page passes axe and fits the screen."""

from __future__ import annotations

import re

import pytest

from lms.models import ProducerRecord
from lms.services import accounts
from tests.support.apps import TEST_PASSWORD
from tests.support.browser import axe_violations

pytestmark = pytest.mark.browser

REGISTRY = (b"npn,name,resident_state,license_active,health_authority\n"
            b"1234567,Ana Ruiz,TX,true,true\n2345678,Ben Cole,OH,true,false\n0123,Zero Lead,TX,true,true\n")


def open_as(browser, site, app, email: str, role: str):
    with app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, email, TEST_PASSWORD, role=role)
    page = browser.new_context(base_url=site, bypass_csp=True, viewport={"width": 390, "height": 844}).new_page()
    page.set_default_timeout(15000)
    page.goto("/account/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(home|admin.*|profile)$"))
    return page


def checked(page) -> list[str]:
    """axe's violations, and whether the page scrolls sideways."""
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return axe_violations(page) + ([f"scrolls sideways: {width}"] if width[0] > width[1] else [])


def test_an_admin_uploads_the_registry_sees_the_preview_and_imports_it(browser, site, site_app):
    admin = open_as(browser, site, site_app, "uploader@example.com", "admin")
    admin.goto("/admin/users")
    admin.get_by_role("link", name="CSV uploads (registry, completions, HOD statistics)").click()
    admin.get_by_role("heading", name="CSV uploads", level=1).wait_for()
    assert checked(admin) == []

    admin.get_by_label("Producer registry CSV file").set_input_files(
        {"name": "registry-june.csv", "mimeType": "text/csv", "buffer": REGISTRY})
    admin.get_by_role("button", name="Preview producer registry").click()
    admin.get_by_role("heading", name="Preview: Producer registry").wait_for()
    assert admin.get_by_role("table", name="2 rows to add").is_visible()
    assert "An NPN never starts with 0" in admin.get_by_role("table", name="1 rejected row, by line").inner_text()
    assert checked(admin) == []
    with site_app.extensions["lms.db"].reading() as session:
        assert session.query(ProducerRecord).count() == 0  # the preview imported nothing

    admin.get_by_role("button", name="Import: add 2, update 0").click()
    admin.get_by_text("Producer registry imported from registry-june.csv: 2 added, 0 updated, 0 unchanged, "
                      "1 rejected.").wait_for()
    assert "uploader@example.com" in admin.get_by_role("table", name=re.compile("imports, newest first")).inner_text()
    assert checked(admin) == []
    with site_app.extensions["lms.db"].reading() as session:
        assert session.get(ProducerRecord, "2345678").health_authority is False


def test_an_author_previews_an_exam_with_its_answers_and_its_versions(browser, site, site_app):
    author = open_as(browser, site, site_app, "writer@example.com", "author")
    author.goto("/author/content")
    assert checked(author) == []
    author.get_by_role("link", name="Preview with answers of Rules exam").click()
    author.get_by_role("heading", name="Preview: Rules exam").wait_for()
    assert author.locator("section.review-item").count() == 6
    assert "Only silver plans carry cost-sharing reductions." in author.locator("section.review-item").first.inner_text()
    author.get_by_text("Author's notes on question 1").click()
    assert author.get_by_text("Bronze plans have no cost-sharing reductions.").is_visible()
    assert checked(author) == []

    author.get_by_role("link", name="Show it answered wrong").click()
    author.get_by_role("link", name="Show it answered right").wait_for()
    assert author.get_by_role("link", name="Rules").first.is_visible()  # the section to re-read
    assert checked(author) == []

    author.get_by_role("link", name="Versions and attempts").click()
    author.get_by_text("None yet: no agent has started this exam.").wait_for()
    assert checked(author) == []
    author.goto("/author/modules/py2030/core/rules")
    author.get_by_role("heading", name="The Rules", level=1).wait_for()
    assert checked(author) == []
