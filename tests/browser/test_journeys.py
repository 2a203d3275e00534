"""A new agent's whole journey in a real browser, once with the mouse and once with the keyboard alone.

Sign up, complete the profile, read every module of a small track, fail the exam, pass it, review
it and see the track complete; axe-core checks each kind of page for WCAG 2.1 A/AA violations.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest

from lms.models import Attempt
from tests.support.apps import TEST_PASSWORD
from tests.support.browser import axe_violations, link_in

pytestmark = pytest.mark.browser

RIGHT = {
    "pick-one": ["Silver"],
    "pick-many": ["Moving to a new county", "Having a baby"],
    "yes-no": ["True"],
    "days": "60",
    "match": {"APTC": "Advance premium tax credit", "CSR": "Cost-sharing reduction",
              "SEP": "Special Enrollment Period"},
    "order": {"Complete your profile": "1", "Finish the training": "2", "Accept the agreements": "3"},
}


def answers_saved(app, attempt_id: int) -> int:
    with app.extensions["lms.db"].reading() as session:
        answers = session.get(Attempt, attempt_id).answers
    return sum(1 for answer in answers.values() if answer not in (None, "", [], {}))


def check_accessibility(page, checked: dict, kind: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{kind} page ({page.url}): {violations}"
    checked[kind] = page.url


# --- with the mouse ---------------------------------------------------------------------------

def test_agent_journey_with_the_mouse(page, inbox, site_app):
    checked: dict[str, str] = {}
    email = f"mouse-{uuid.uuid4().hex[:6]}@example.com"
    page.goto("/account/sign-up")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_label("Confirm password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    check_accessibility(page, checked, "check email")
    [message] = inbox(email)
    page.goto(link_in(message, page.url))
    check_accessibility(page, checked, "confirm")
    page.get_by_role("button", name="Confirm my email address").click()
    page.wait_for_url("**/profile")
    check_accessibility(page, checked, "profile")

    page.get_by_label("Legal first name").fill("Ana")
    page.get_by_label("Legal last name").fill("Ruiz")
    page.get_by_label("National Producer Number (NPN)").fill("1234567")
    page.get_by_label("Resident state").select_option("TX")
    page.get_by_label("Texas", exact=True).check()
    page.get_by_label("Phone number").fill("512-555-0100")
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Profile saved").wait_for()

    page.goto("/home")
    check_accessibility(page, checked, "home")
    page.get_by_role("link", name="Continue", exact=True).click()
    page.wait_for_url("**/learn/py2030/core/intro")
    check_accessibility(page, checked, "module")
    page.get_by_role("button", name=re.compile("Mark .Introduction. as complete")).click()
    page.wait_for_url("**/learn/py2030/core/rules")
    page.get_by_role("button", name=re.compile("Mark .The Rules. as complete")).click()
    page.wait_for_url("**/exams/py2030/core/rules")
    check_accessibility(page, checked, "exam")

    page.get_by_role("button", name="Start the exam").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    check_accessibility(page, checked, "attempt")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Submit for scoring").click()
    page.get_by_text("Not passed", exact=True).wait_for()
    assert dialogs and "Questions 1, 2, 3, 4, 5, 6 have no answer yet" in dialogs[0]
    check_accessibility(page, checked, "result")
    assert page.get_by_role("heading", name="Re-read these sections").is_visible()

    # A failed attempt shows which questions were missed and where to re-read, never the answers.
    page.get_by_role("link", name=re.compile("See which questions you missed")).click()
    page.locator("p.reread a").first.wait_for()
    assert page.locator(".review-item").count() == 6
    body = page.locator("main").inner_text()
    assert "Only silver plans carry cost-sharing reductions." not in body and "(your answer)" not in body
    check_accessibility(page, checked, "review of a failed attempt")
    page.go_back()

    page.get_by_role("link", name="Back to the exam").click()
    page.get_by_role("button", name="Start attempt 2").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    answer_with_mouse(page)
    # The page's script saves as the agent answers; the server holds every answer before any button is pressed.
    page.get_by_text(re.compile("^Answers saved at")).wait_for()
    attempt_id = int(page.url.rsplit("/", 1)[1])
    deadline = time.monotonic() + 15
    while answers_saved(site_app, attempt_id) < 6 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert answers_saved(site_app, attempt_id) == 6
    page.get_by_role("button", name="Save answers").click()
    page.get_by_text("6 of 6 answered").wait_for()
    page.get_by_role("button", name="Submit for scoring").click()
    page.get_by_text("100.0%", exact=True).wait_for()
    assert page.get_by_text("Passed", exact=True).is_visible()

    page.get_by_role("link", name="Review your answers").click()
    page.get_by_text("Only silver plans carry cost-sharing reductions.").wait_for()
    check_accessibility(page, checked, "review")

    page.goto("/learn/py2030/core")
    page.get_by_text("You have completed Core Marketplace Training").wait_for()
    check_accessibility(page, checked, "track")
    page.goto("/tracker")
    assert "Complete" in page.locator("#step-training").inner_text()
    check_accessibility(page, checked, "tracker")
    finish_registration(page, site_app, email, checked)
    assert set(checked) >= {"home", "track", "module", "exam", "result", "review", "agreement", "certificate",
                            "verify", "rcl"}


def finish_registration(page, app, email: str, checked: dict) -> None:
    """Identity attested (by an admin, off screen), then: accept the agreement, see registration complete,
    download the certificate, find oneself on the public list, open the Help On Demand training."""
    from lms.services import accounts, people

    with app.extensions["lms.db"].unit_of_work() as uow:
        with uow.write() as session:
            from lms.models import ProducerRecord

            session.add(ProducerRecord(npn="1234567", name="Ana Ruiz", resident_state="TX", license_active=True,
                                       health_authority=True))
        admin = accounts.create_account(uow, "journey-admin@example.com", TEST_PASSWORD, role="admin")
        user = accounts.find_by_email(uow.session, email)
        catalog = app.extensions["lms.catalog"].catalog
        people.attest_identity(uow, user.id, admin.id, catalog, catalog.programs["py2030"])
    page.goto("/profile")
    page.get_by_role("button", name="Save profile").click()  # the registry now knows the NPN
    page.get_by_text("Profile saved").wait_for()
    page.goto("/tracker")
    page.locator("#step-agreements-individual").get_by_role("link").click()
    page.wait_for_url("**/learn/py2030/agreements/general")
    check_accessibility(page, checked, "agreement")
    page.get_by_label("I have read this agreement and I accept it").check()
    page.get_by_label("Your full legal name").fill("ana ruiz")
    page.get_by_role("button", name="Accept the General Agreement").click()
    page.wait_for_url("**/tracker")
    assert "Complete" in page.locator(".registration-summary li").first.inner_text()
    page.get_by_role("link", name=re.compile("View your certificate")).click()
    page.wait_for_url(re.compile(r".*/certificates/[0-9A-Z-]+$"))
    check_accessibility(page, checked, "certificate")
    code = page.url.rsplit("/", 1)[1]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename == f"certificate-{code}.pdf"
    page.goto(f"/verify/{code}")
    page.get_by_text("Valid", exact=True).wait_for()
    check_accessibility(page, checked, "verify")
    page.goto("/tracker")
    page.get_by_role("link", name=re.compile("See your listing")).click()
    page.get_by_role("cell", name="1234567").wait_for()
    assert "Ana Ruiz" in page.locator("table.data").inner_text()
    check_accessibility(page, checked, "rcl")
    page.goto("/learn/py2030/hod")
    page.get_by_role("heading", name="Help On Demand Training").first.wait_for()


def question(page, prompt: str):
    return page.locator("fieldset.question", has_text=prompt)


def answer_with_mouse(page) -> None:
    question(page, "Which plan metal level").get_by_label("Silver").check()
    many = question(page, "qualifying life events")
    for label in RIGHT["pick-many"]:
        many.get_by_label(label).check()
    question(page, "use their own NPN").get_by_label("True").check()
    question(page, "How many days").get_by_label(re.compile("Your answer")).fill(RIGHT["days"])
    match = question(page, "Match each term")
    for left, right in RIGHT["match"].items():
        match.get_by_label(left, exact=True).select_option(label=right)
    order = question(page, "Put the registration steps")
    for item, position in RIGHT["order"].items():
        order.get_by_label(item).select_option(position)


# --- with the keyboard alone ------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el) return {};
  const label = el.labels && el.labels.length ? el.labels[0].innerText.trim() : "";
  const legend = el.closest("fieldset") ? el.closest("fieldset").innerText : "";
  return {tag: el.tagName.toLowerCase(), type: el.type || "", text: (el.innerText || el.value || "").trim(),
          label: label, checked: !!el.checked, group: legend};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, matches, limit: int = 200) -> dict:
    """Press Tab until the focused element matches; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = focused(page)
        if matches(info):
            return info
    raise AssertionError(f"Tab never reached the element on {page.url}")


def activate_link(page, text: str) -> None:
    tab_to(page, lambda i: i["tag"] == "a" and i["text"].startswith(text))
    page.keyboard.press("Enter")


def press_button(page, text: str) -> None:
    tab_to(page, lambda i: i["tag"] == "button" and i["text"].startswith(text))
    page.keyboard.press("Enter")


def type_into(page, label: str, value: str) -> None:
    tab_to(page, lambda i: i["label"].startswith(label) and i["tag"] in ("input", "select"))
    page.keyboard.type(value)


def pick_radio(page, group_text: str, label: str) -> None:
    """Tab into a radio group, then arrow to the wanted option (arrows select as they move)."""
    info = tab_to(page, lambda i: i["type"] == "radio" and group_text in i["group"])
    for _ in range(10):
        if info["label"] == label:
            if not info["checked"]:
                page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
        info = focused(page)
    raise AssertionError(f"no option {label!r} in {group_text!r}")


def tick(page, group_text: str, label: str) -> None:
    tab_to(page, lambda i: i["type"] == "checkbox" and i["label"] == label and group_text in i["group"])
    page.keyboard.press("Space")


def choose(page, group_text: str, label: str, option: str) -> None:
    tab_to(page, lambda i: i["tag"] == "select" and i["label"] == label and group_text in i["group"])
    page.keyboard.type(option)


def start_from_top(page) -> None:
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Escape")


def test_agent_journey_with_the_keyboard_alone(page, inbox):
    email = f"keys-{uuid.uuid4().hex[:6]}@example.com"
    page.goto("/")
    activate_link(page, "Create an account")
    page.wait_for_url("**/account/sign-up")
    type_into(page, "Email address", email)
    type_into(page, "Password", TEST_PASSWORD)
    type_into(page, "Confirm password", TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check your email").wait_for()
    [message] = inbox(email)
    page.goto(link_in(message, page.url))
    press_button(page, "Confirm my email address")
    page.wait_for_url("**/profile")

    type_into(page, "Legal first name", "Ana")
    type_into(page, "Legal last name", "Ruiz")
    type_into(page, "National Producer Number", "1234567")
    type_into(page, "Resident state", "Texas")
    tick(page, "States where you sell", "Texas")
    type_into(page, "Phone number", "512-555-0100")
    page.keyboard.press("Enter")
    page.get_by_text("Profile saved").wait_for()

    start_from_top(page)
    activate_link(page, "Home")
    page.wait_for_url("**/home")
    activate_link(page, "Continue")
    page.wait_for_url("**/learn/py2030/core/intro")
    press_button(page, "Mark")
    page.wait_for_url("**/learn/py2030/core/rules")
    press_button(page, "Mark")
    page.wait_for_url("**/exams/py2030/core/rules")
    press_button(page, "Start the exam")
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    page.once("dialog", lambda dialog: dialog.accept())
    press_button(page, "Submit for scoring")
    page.get_by_text("Not passed", exact=True).wait_for()

    activate_link(page, "Back to the exam")
    page.wait_for_url("**/exams/py2030/core/rules")
    press_button(page, "Start attempt 2")
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    answer_with_keyboard(page)
    start_from_top(page)
    press_button(page, "Submit for scoring")
    page.get_by_text("100.0%", exact=True).wait_for()
    activate_link(page, "Review your answers")
    page.get_by_text("Only silver plans carry cost-sharing reductions.").wait_for()

    page.goto("/learn/py2030/core")
    page.get_by_text("You have completed Core Marketplace Training").wait_for()


def answer_with_keyboard(page) -> None:
    """Answer in page order, whatever order this attempt's shuffle chose."""
    prompts = page.locator("fieldset.question .prompt").all_inner_texts()
    for prompt in prompts:
        if "metal level" in prompt:
            pick_radio(page, "metal level", "Silver")
        elif "qualifying life events" in prompt:
            for label in RIGHT["pick-many"]:
                tick(page, "qualifying life events", label)
        elif "own NPN" in prompt:
            pick_radio(page, "own NPN", "True")
        elif "How many days" in prompt:
            tab_to(page, lambda i: i["tag"] == "input" and "How many days" in i["group"])
            page.keyboard.type(RIGHT["days"])
        elif "Match each term" in prompt:
            for left, right in RIGHT["match"].items():
                choose(page, "Match each term", left, right)
        else:
            for item, position in RIGHT["order"].items():
                choose(page, "Put the registration steps", item, position)
    counts = page.evaluate("""() => [...document.querySelectorAll('select')].filter(s => !s.value).length""")
    assert counts == 0


def test_the_accessibility_check_does_find_violations(page):
    """The control for every axe assertion above: a page with known faults is reported."""
    page.set_content("<html><body><img src='chart.png'><a href='#'></a></body></html>")
    violations = " ".join(axe_violations(page))
    assert "image-alt" in violations and "html-has-lang" in violations


def test_without_javascript_unanswered_questions_get_a_confirmation_page(browser, site, inbox):
    """The same question, asked by the server, for a browser that runs no script."""
    context = browser.new_context(base_url=site, java_script_enabled=False, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    email = f"noscript-{uuid.uuid4().hex[:6]}@example.com"
    page.goto("/account/sign-up")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_label("Confirm password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    [message] = inbox(email)
    page.goto(link_in(message, page.url))
    page.get_by_role("button", name="Confirm my email address").click()
    page.wait_for_url("**/profile")
    page.goto("/exams/py2030/core/rules")
    page.get_by_role("button", name="Start the exam").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    question(page, "How many days").get_by_label(re.compile("Your answer")).fill("60")
    page.get_by_role("button", name="Submit for scoring").click()
    page.get_by_role("heading", name="Submit with unanswered questions?").wait_for()
    assert page.get_by_role("link", name=re.compile("^Question ")).count() == 5
    page.get_by_role("button", name="Submit anyway for scoring").click()
    page.get_by_text("Not passed", exact=True).wait_for()
    assert "16.7%" in page.content()  # the one answer saved on the way counted: 1 of 6 points
    context.close()
