"""A program that asks for a minimum reading time: the module page says what is still needed, and
"Mark as complete" is refused until the time is spent, with the time read so far kept."""

from __future__ import annotations

import re
import textwrap

import pytest

from lms.services import accounts
from tests.support.apps import TEST_PASSWORD
from tests.support.browser import axe_violations
from tests.support.player_tree import PLAYER_TREE, write_player_tree

pytestmark = pytest.mark.browser

PROGRAM = "courses/py2030/program.yaml"


@pytest.fixture
def player_root(tmp_path_factory):
    """The player tree, where every module must be read for at least half its `minutes`."""
    root = tmp_path_factory.mktemp("seat-time")
    program = textwrap.dedent(PLAYER_TREE[PROGRAM]) + "minimum_time_percent: 50\n"
    return write_player_tree(root, {PROGRAM: program})


def test_mark_complete_waits_for_the_minimum_reading_time(page, site_app):
    email = "slow-reader@example.com"
    with site_app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, email, TEST_PASSWORD)
    page.goto("/account/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")

    page.goto("/learn/py2030/core/intro")
    needed = page.locator("#seat-time")
    assert "at least 3 min on this module" in needed.inner_text()  # half of the intro's 5 minutes, rounded up
    assert "Time still needed: about 3 min" in needed.inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name=re.compile("Mark .Introduction. as complete")).click()
    page.wait_for_url("**/learn/py2030/core/intro")
    refusal = page.locator(".flash-error")
    assert "asks for at least 3 min of reading" in refusal.inner_text()
    assert "Not completed yet" in page.locator("main").inner_text()
