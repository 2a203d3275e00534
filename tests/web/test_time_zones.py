"""Times in the agent's own time zone, chosen on the profile and named beside every time, with no
JavaScript needed (the test client runs none)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from lms.models import Attempt
from lms.web.templating import zone_abbreviation
from tests.support.apps import make_app
from tests.support.player_tree import RULES_EXAM, write_player_tree
from tests.support.web import post_form, sign_up

PROFILE = {"first_name": "Ana", "last_name": "Ruiz", "npn": "1234567", "resident_state": "TX",
           "sell_states": ["TX"], "phone": "512-555-0100"}
EXAM = "py2030/core/rules"


@pytest.fixture
def timed_app(tmp_path, monkeypatch, sqlite_url):
    """The player program with a time limit on its exam, so attempts have a deadline."""
    root = write_player_tree(tmp_path / "content", {f"quizzes/{EXAM}.yaml": "time_limit_minutes: 30\n" + RULES_EXAM})
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(root), TODAY="2029-09-01")
    yield app
    app.extensions["lms.db"].dispose()


@pytest.fixture
def agent(timed_app):
    client = timed_app.test_client()
    sign_up(client)
    return client


def save_zone(agent, zone: str):
    return post_form(agent, "/profile", {**PROFILE, "time_zone": zone})


def start(agent) -> str:
    response = post_form(agent, f"/exams/{EXAM}/start", {}, form_url=f"/exams/{EXAM}")
    assert response.status_code == 302
    return response.headers["Location"]


def deadline_of(app, url: str) -> dt.datetime:
    with app.extensions["lms.db"].reading() as session:
        return session.get(Attempt, int(url.rsplit("/", 1)[1])).deadline


def wall_clock(moment: dt.datetime, zone: str) -> str:
    """How people there read the moment: 2:05 PM, and the zone's letters (written out independently)."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{int(local.strftime('%I'))}:{local:%M %p} {local:%Z}"


def chosen(page: str) -> list[str]:
    """The options the time zone list has selected."""
    select = page.split('id="time_zone"')[1].split("</select>")[0]
    return re.findall(r'<option selected value="([^"]+)"', select)


def ends_at(page: str) -> str:
    return re.search(r"This attempt ends at <time[^>]*>([^<]+)</time>", page).group(1)


def test_the_stored_zone_changes_how_the_deadline_is_shown(agent, timed_app):
    assert save_zone(agent, "America/Chicago").status_code == 302
    url = start(agent)
    deadline = deadline_of(timed_app, url)
    page = agent.get(url).get_data(as_text=True)
    assert ends_at(page) == wall_clock(deadline, "America/Chicago")
    assert ends_at(page).endswith((" CST", " CDT"))
    assert "js-local-time" not in page  # the server's answer stands; no script rewrites it

    save_zone(agent, "Asia/Tokyo")
    page = agent.get(url).get_data(as_text=True)
    assert ends_at(page) == wall_clock(deadline, "Asia/Tokyo") and ends_at(page).endswith(" JST")


def test_without_a_chosen_zone_times_are_in_utc_and_say_so(agent, timed_app):
    url = start(agent)
    page = agent.get(url).get_data(as_text=True)
    assert ends_at(page) == wall_clock(deadline_of(timed_app, url), "UTC")
    assert 'class="js-local-time"' in page and "choose your time zone" in page


def test_submitted_times_on_the_exam_page_follow_the_zone(agent):
    save_zone(agent, "America/Los_Angeles")
    url = start(agent)
    post_form(agent, f"{url}/submit", {"confirm": "yes"}, form_url=url)
    page = agent.get(f"/exams/{EXAM}").get_data(as_text=True)
    assert re.search(r"<td>\w+ \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M P[SD]T</td>", page)
    assert "(UTC)" not in page


def test_the_profile_form_offers_every_zone_and_refuses_unknown_ones(agent):
    page = agent.get("/profile").get_data(as_text=True)
    assert '<optgroup label="United States">' in page and 'value="America/Chicago"' in page
    assert 'value="Europe/Berlin"' in page and chosen(page) == ["UTC"]
    assert "data-suggest-browser-zone" in page  # the browser's zone may be offered until one is chosen

    refused = save_zone(agent, "Mars/Olympus_Mons")
    assert refused.status_code == 422
    assert 'id="time_zone-error"' in refused.get_data(as_text=True)
    assert "Choose a time zone from the list." in refused.get_data(as_text=True)

    assert save_zone(agent, "Asia/Kolkata").status_code == 302
    page = agent.get("/profile").get_data(as_text=True)
    assert chosen(page) == ["Asia/Kolkata"] and "data-suggest-browser-zone" not in page


@pytest.mark.parametrize(("zone", "month", "named"), [
    ("America/New_York", 1, "EST"),
    ("America/New_York", 7, "EDT"),
    ("America/Sao_Paulo", 7, "UTC-03:00"),  # a zone without letters of its own gets its offset
    ("Asia/Kathmandu", 7, "UTC+05:45"),
    ("UTC", 7, "UTC"),
])
def test_every_zone_is_named(zone, month, named):
    assert zone_abbreviation(dt.datetime(2030, month, 15, 12, tzinfo=ZoneInfo(zone))) == named
