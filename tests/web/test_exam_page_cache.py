"""The exam page is rendered once per standing (attempts, grants, time zone, role): agents who have not
started share a render but not their CSRF tokens, and whatever an agent does next shows at once."""

from __future__ import annotations

import re

from lms.services import accounts
from lms.web.player.exams import EXAM_PAGES
from tests.support.web import TEST_PASSWORD, new_agents, one_render_for_both, post_form, sign_in, sign_up
from tests.web.test_time_zones import PROFILE

EXAM = "/exams/py2030/core/rules"


def _form_token(page: str) -> str:
    return re.search(r'action="[^"]*/start">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page).group(1)


def test_agents_who_have_not_started_share_a_render_but_not_their_tokens(player_app):
    first, second = new_agents(player_app, "first@example.com", "second@example.com")
    one, two = one_render_for_both(EXAM_PAGES, EXAM, first, second)
    assert "Start the exam" in one and "Start the exam" in two
    assert "lms-csrf-" not in one + two
    assert _form_token(one) != _form_token(two)
    # Each agent's own token starts their own attempt from the page's form.
    started = second.post(f"{EXAM}/start", data={"csrf_token": _form_token(two)})
    assert started.status_code == 302 and "/attempts/" in started.headers["Location"]
    assert first.post(f"{EXAM}/start", data={"csrf_token": _form_token(two)}).status_code == 400


def test_starting_and_submitting_show_at_once(player_app):
    [agent] = new_agents(player_app, "steps@example.com")
    assert "Start the exam" in agent.get(EXAM).get_data(as_text=True)
    attempt = post_form(agent, f"{EXAM}/start", {}, form_url=EXAM).headers["Location"]
    page = agent.get(EXAM).get_data(as_text=True)
    assert "Resume attempt 1" in page and "Start the exam" not in page
    post_form(agent, f"{attempt}/submit", {"confirm": "yes"}, form_url=attempt)
    page = agent.get(EXAM).get_data(as_text=True)
    assert "Resume attempt" not in page and "Your attempts" in page
    assert "1 of " in page  # attempts used


def test_a_new_time_zone_shows_on_the_listed_attempts_at_once(player_app):
    agent = player_app.test_client()
    sign_up(agent, "zones@example.com")
    attempt = post_form(agent, f"{EXAM}/start", {}, form_url=EXAM).headers["Location"]
    post_form(agent, f"{attempt}/submit", {"confirm": "yes"}, form_url=attempt)
    agent.get(EXAM)
    when = r"<td>\w+ \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M (\w+)</td>"
    assert re.search(when, agent.get(EXAM).get_data(as_text=True)).group(1) == "UTC"
    assert post_form(agent, "/profile", {**PROFILE, "time_zone": "Asia/Tokyo"}).status_code == 302
    agent.get("/home")  # shows (and so clears) the profile's message, so the exam page may come from a render
    assert re.search(when, agent.get(EXAM).get_data(as_text=True)).group(1) == "JST"


def test_an_admin_and_an_agent_in_the_same_standing_see_their_own_menus(player_app):
    [agent] = new_agents(player_app, "learner@example.com")
    admin = player_app.test_client()
    with player_app.extensions["lms.db"].unit_of_work() as work:
        accounts.create_account(work, "chief@example.com", TEST_PASSWORD, role="admin")
    sign_in(admin, "chief@example.com")
    admin.get("/home")
    EXAM_PAGES.clear()
    assert ">Admin</a>" not in agent.get(EXAM).get_data(as_text=True)
    assert ">Admin</a>" in admin.get(EXAM).get_data(as_text=True)
    assert ">Admin</a>" not in agent.get(EXAM).get_data(as_text=True)
