"""Every kind of page at a desktop and a phone width: nothing scrolls sideways, axe finds nothing,
and a screenshot of each is kept. Then the exam page's own aids: the bar with the time left stays
in view, the question navigator jumps to a question, the menu opens without JavaScript.

Screenshots go to $LMS_SCREENSHOT_DIR, by default tmp/screenshots in the repository (git ignores tmp/).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from lms.config import PROJECT_ROOT
from lms.models.types import utcnow
from lms.services import accounts, exams, scoring
from lms.services.profiles import ProfileInput, save_profile
from tests.support.apps import TEST_PASSWORD
from tests.support.browser import axe_violations
from tests.support.player_tree import RULES_EXAM, write_player_tree

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("LMS_SCREENSHOT_DIR") or PROJECT_ROOT / "tmp" / "screenshots")
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
AGENT, ADMIN = "layout-agent@example.com", "layout-admin@example.com"
EXAM = "py2030/core/rules"

# The rules exam, timed, with matching answers as long as the real ones that used to be cut off.
LONG_RIGHTS = {
    "Advance premium tax credit": "The public CMS list that issuers and consumers use to confirm that an agent or "
                                  "broker has completed Marketplace registration for the plan year",
    "Cost-sharing reduction": "A discount that lowers deductibles, copayments and coinsurance for eligible "
                              "consumers who enroll in a silver plan",
    "Special Enrollment Period": "A time outside Open Enrollment when a qualifying life event lets a consumer "
                                 "enroll in or change a Marketplace plan",
}
TIMED_EXAM = "time_limit_minutes: 30\n" + RULES_EXAM
for short, long in LONG_RIGHTS.items():
    TIMED_EXAM = TIMED_EXAM.replace(f"right: {short}}}", f"right: '{long}'}}")


@pytest.fixture(scope="module")
def player_root(tmp_path_factory):
    """The player program with its exam timed and long matching answers (replaces the shared tree here)."""
    return write_player_tree(tmp_path_factory.mktemp("layout-content"), {f"quizzes/{EXAM}.yaml": TIMED_EXAM})


@dataclass
class Seeded:
    agent_id: int
    open_attempt: int
    passed_attempt: int


def seed(app) -> Seeded:
    """An agent with a profile, a failed and a passed attempt and one in progress; an admin."""
    catalog = app.extensions["lms.catalog"].catalog
    program = catalog.programs["py2030"]
    exam = catalog.exams[EXAM]
    with app.extensions["lms.db"].unit_of_work() as uow:
        agent = accounts.create_account(uow, AGENT, TEST_PASSWORD)
        accounts.create_account(uow, ADMIN, TEST_PASSWORD, role="admin")
        save_profile(uow, agent.id, ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX", "OK"], "5125550100",
                                                 "America/Chicago"), catalog, program)
        numbers = []
        for right in (False, True, None):
            attempt = exams.start_attempt(uow, catalog, exam, agent.id, utcnow())
            numbers.append(attempt.id)
            if right is None:
                break
            version, layout = exams.attempt_exam(uow.session, attempt)
            form = scoring.form_for(version, layout, right)
            exams.submit_attempt(uow, catalog, attempt.id, agent.id, form_values(form), utcnow(), confirmed=True)
    return Seeded(agent.id, numbers[2], numbers[1])


def form_values(form: dict[str, list[str]]):
    return lambda name: form.get(name, [])


def sign_in(page, email: str) -> None:
    page.goto("/account/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(home|admin.*)$"))


def page_types(seeded: Seeded) -> dict[str, list[tuple[str, str]]]:
    """Who sees which page: kind of page -> path, by visitor."""
    return {
        "": [("landing", "/"), ("sign-up", "/account/sign-up")],
        AGENT: [("profile", "/profile"), ("home", "/home"), ("track", "/learn/py2030/core"),
                ("module", "/learn/py2030/core/intro"), ("exam-intro", f"/exams/{EXAM}"),
                ("attempt", f"/attempts/{seeded.open_attempt}"),
                ("result", f"/attempts/{seeded.passed_attempt}/result"),
                ("review", f"/attempts/{seeded.passed_attempt}/review"), ("tracker", "/tracker"),
                ("transcript", "/transcript")],
        ADMIN: [("admin-people", "/admin/users"), ("admin-person", f"/admin/users/{seeded.agent_id}")],
    }


SIDEWAYS = "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_page_type_fits_the_screen_and_passes_axe(browser, site, site_app, viewport):
    seeded = seed(site_app)
    folder = SCREENSHOTS / viewport
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    visited = []
    for visitor, pages in page_types(seeded).items():
        context = browser.new_context(base_url=site, viewport=VIEWPORTS[viewport], bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(15000)
        if visitor:
            sign_in(page, visitor)
        for kind, path in pages:
            response = page.goto(path)
            assert response is not None and response.status == 200, f"{kind} ({path}): {response and response.status}"
            width = page.evaluate(SIDEWAYS)
            if width["scroll"] > width["inner"]:
                problems.append(f"{kind} ({path}) scrolls sideways: {width['scroll']} px on a {width['inner']} px "
                                f"screen; widest: {widest(page)}")
            problems += [f"{kind} ({path}): {violation}" for violation in axe_violations(page)]
            page.screenshot(path=str(folder / f"{kind}.png"), full_page=True)
            visited.append(kind)
        context.close()
    assert problems == [], "\n".join(problems)
    assert len(visited) == 14 and all((folder / f"{kind}.png").stat().st_size > 0 for kind in visited)


def widest(page) -> str:
    """The element that sticks out furthest to the right (outside any scrolling box), to say what to fix."""
    return page.evaluate("""() => {
      let worst = null, right = window.innerWidth;
      const clipped = (el) => {
        for (let up = el.parentElement; up; up = up.parentElement) {
          if (getComputedStyle(up).overflowX !== 'visible') return true;
        }
        return false;
      };
      for (const el of document.body.querySelectorAll('*')) {
        if (clipped(el)) continue;
        const r = el.getBoundingClientRect().right;
        if (r > right) { right = r; worst = el; }
      }
      return worst ? `${worst.tagName.toLowerCase()}.${worst.className} (${Math.round(right)} px)` : 'none';
    }""")


def agent_page(browser, site, site_app, viewport="phone", **options):
    seeded = seed(site_app)
    context = browser.new_context(base_url=site, viewport=VIEWPORTS[viewport], bypass_csp=True, **options)
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, AGENT)
    return seeded, context, page


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_time_left_and_answered_count_stay_in_view(browser, site, site_app, viewport):
    seeded, context, page = agent_page(browser, site, site_app, viewport)
    page.goto(f"/attempts/{seeded.open_attempt}")
    page.locator("#timer .js-countdown").filter(has_text=re.compile(r"^\d+:\d\d$")).wait_for()
    page.get_by_role("button", name="Submit for scoring").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 300  # the page did scroll a long way
    assert in_view(page, "#timer") and in_view(page, "#question-nav summary")
    assert page.locator("#question-nav summary").inner_text().startswith("Answered: 0 of 6")
    context.close()


def test_the_navigator_jumps_to_a_question_and_shows_what_is_answered(browser, site, site_app):
    seeded, context, page = agent_page(browser, site, site_app, "phone")
    page.goto(f"/attempts/{seeded.open_attempt}")
    page.locator("#question-nav summary").click()
    page.get_by_role("link", name="Question 5, not answered").click()
    fifth = page.locator("fieldset.question").nth(4)
    assert page.url.endswith("#question-5")
    assert in_view(page, "#question-5")
    bar = page.locator("#exam-bar").bounding_box()
    assert page.locator("#question-5").bounding_box()["y"] >= bar["y"] + bar["height"]  # not under the bar
    assert fifth.evaluate("(q) => q.contains(document.activeElement)")  # focus moved there too
    assert not page.locator("#question-nav").evaluate("(d) => d.open")  # the list closed, uncovering it
    answer_any(fifth)
    page.locator("#question-nav summary").click()
    assert page.get_by_role("link", name="Question 5, answered").is_visible()
    assert "Answered: 1 of 6" in page.locator("#question-nav summary").inner_text()
    context.close()


def answer_any(question) -> None:
    """Give the question some answer, whatever its type."""
    choice = question.locator("input[type=radio], input[type=checkbox]")
    if choice.count():
        choice.first.check()
    elif question.locator("select").count():
        select = question.locator("select").first
        select.select_option(index=1)
    else:
        question.locator("input[type=text]").first.fill("7")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_navigator_works_without_javascript(browser, site, site_app, viewport):
    seeded, context, page = agent_page(browser, site, site_app, viewport, java_script_enabled=False)
    page.goto(f"/attempts/{seeded.open_attempt}")
    page.locator("#question-nav summary").click()
    page.get_by_role("link", name="Question 6, not answered").click()
    assert page.url.endswith("#question-6")
    assert in_view(page, "#question-6") and page.evaluate("window.scrollY") > 0
    context.close()


def test_the_time_left_is_announced_at_intervals_not_every_second(browser, site, site_app):
    seeded, context, page = agent_page(browser, site, site_app, "desktop")
    page.clock.install()
    page.goto(f"/attempts/{seeded.open_attempt}")
    countdown, announcement = page.locator("#timer .js-countdown"), page.locator("#timer-announcement")
    assert countdown.get_attribute("role") == "timer" and countdown.get_attribute("aria-live") is None
    assert announcement.get_attribute("aria-live") == "polite"
    before = countdown.inner_text()
    page.clock.run_for(5000)
    assert countdown.inner_text() != before and announcement.inner_text() == ""  # ticking, silently
    page.clock.run_for(dt.timedelta(minutes=10).total_seconds() * 1000)
    assert announcement.inner_text() == "20 minutes left."
    page.clock.run_for(dt.timedelta(minutes=15).total_seconds() * 1000)
    assert announcement.inner_text() == "5 minutes left."
    assert "is-urgent" in page.locator("#timer").get_attribute("class")
    context.close()


def test_matching_answers_are_never_cut_off_on_a_phone(browser, site, site_app):
    seeded, context, page = agent_page(browser, site, site_app, "phone")
    page.goto(f"/attempts/{seeded.open_attempt}")
    match = page.locator("fieldset.question", has_text="Match each term")
    widths = match.locator(".matches li").evaluate_all(
        "(items) => items.map(li => [li.querySelector('select').getBoundingClientRect().width, li.clientWidth])")
    assert len(widths) == 3 and all(select >= item - 1 for select, item in widths)  # full-width selects
    options = match.locator("option").all_inner_texts()
    assert any(text.startswith("The public CMS list that issuers") and text.endswith("for the plan year")
               for text in options)
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_phone_menu_opens_and_leads_somewhere(browser, site, site_app, javascript):
    seeded, context, page = agent_page(browser, site, site_app, "phone", java_script_enabled=javascript)
    page.goto("/home")
    assert not page.locator(".nav-wide").is_visible()
    tracker = page.locator(".nav-menu").get_by_role("link", name="Registration Tracker")
    assert not tracker.is_visible()
    page.get_by_text("Menu", exact=True).click()
    tracker.click()
    page.wait_for_url("**/tracker")
    context.close()


def test_wide_screens_show_the_navigation_without_a_menu(page, site_app):
    seed(site_app)
    page.set_viewport_size(VIEWPORTS["desktop"])
    sign_in(page, AGENT)
    assert page.locator(".nav-wide").get_by_role("link", name="Registration Tracker").is_visible()
    assert not page.get_by_text("Menu", exact=True).is_visible()


@pytest.mark.parametrize(("browser_zone", "javascript", "offered"), [
    ("America/Denver", True, "America/Denver"),
    ("Asia/Kolkata", False, "UTC"),  # without the script, nothing guesses: UTC until the agent chooses
])
def test_the_profile_suggests_the_browsers_time_zone(browser, site, site_app, browser_zone, javascript, offered):
    context = browser.new_context(base_url=site, timezone_id=browser_zone, java_script_enabled=javascript,
                                  bypass_csp=True)
    page = context.new_page()
    with site_app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, "zone@example.com", TEST_PASSWORD)
    sign_in(page, "zone@example.com")
    page.goto("/profile")
    assert page.get_by_label("Time zone").input_value() == offered
    context.close()

