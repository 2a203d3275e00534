"""The attempt page is rendered once per (attempt, saved answers, time zone, ...), its questions once per
(attempt layout, saved answers): a reload is served from that render with its own time left and CSRF
token, and a save, from either the page's script or its form, shows at once."""

from __future__ import annotations

import datetime as dt
import re

from lms.clock import Clock
from lms.web.player.exams import ATTEMPT_PAGES, ATTEMPT_QUESTIONS
from tests.support.apps import make_app
from tests.support.player_tree import RULES_EXAM, write_player_tree
from tests.support.web import csrf_token, post_form, sign_up

EXAM = "/exams/py2030/core/rules"


def _started(client, email: str) -> str:
    sign_up(client, email)
    return post_form(client, f"{EXAM}/start", {}, form_url=EXAM).headers["Location"]


def test_a_reload_reuses_the_render_and_a_save_shows_at_once(player_app):
    agent = player_app.test_client()
    url = _started(agent, "reload@example.com")
    ATTEMPT_PAGES.clear()
    ATTEMPT_QUESTIONS.clear()
    first = agent.get(url).get_data(as_text=True)
    hits = ATTEMPT_PAGES.hits
    again = agent.get(url).get_data(as_text=True)
    assert again.count("<fieldset") == 6
    assert ATTEMPT_PAGES.hits == hits + 1
    # What changes between requests is filled in, never left as a marker.
    assert not re.search(r"lms-(csrf|seconds-left|minutes-left)-", again)
    assert re.search(r'name="csrf_token" value="[^"]{20,}"', again)
    numeric = re.search(r'name="(q-days)"', first).group(1)
    assert 'value="45"' not in first
    saved = agent.post(f"{url}/save", data={numeric: "45", "csrf_token": csrf_token(agent, url)},
                       headers={"Accept": "application/json"})
    assert saved.get_json()["saved"] is True
    after = agent.get(url).get_data(as_text=True)
    assert 'value="45"' in after and "1 of 6 answered" in after


def test_two_agents_never_see_each_others_questions_or_answers(player_app):
    one, two = player_app.test_client(), player_app.test_client()
    first_url, second_url = _started(one, "one@example.com"), _started(two, "two@example.com")
    ATTEMPT_QUESTIONS.clear()
    first = one.get(first_url).get_data(as_text=True)
    numeric = re.search(r'name="(q-days)"', first).group(1)
    one.post(f"{first_url}/save", data={numeric: "77", "csrf_token": csrf_token(one, first_url)},
             headers={"Accept": "application/json"})
    second = two.get(second_url).get_data(as_text=True)
    tokens = lambda page: set(re.findall(r'value="([0-9a-f]{12})"', page))  # noqa: E731
    assert 'value="77"' not in second and 'value="77"' in one.get(first_url).get_data(as_text=True)
    assert tokens(first) and tokens(first).isdisjoint(tokens(second))  # each attempt's own option tokens


def _time_left(page: str) -> tuple[int, int]:
    seconds = int(re.search(r'data-seconds-left="(\d+)"', page).group(1))
    minutes = int(re.search(r'<strong class="js-countdown" role="timer">(\d+) min</strong>', page).group(1))
    return seconds, minutes


def test_a_reload_from_the_render_shows_the_time_left_at_that_moment(tmp_path, monkeypatch, sqlite_url):
    root = write_player_tree(tmp_path / "content",
                             {"quizzes/py2030/core/rules.yaml": "time_limit_minutes: 30\n" + RULES_EXAM})
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(root), TODAY="2029-09-01")
    agent = app.test_client()
    url = _started(agent, "timed@example.com")
    started = dt.datetime.now(dt.UTC)
    ATTEMPT_PAGES.clear()
    monkeypatch.setattr(Clock, "now", lambda _self: started + dt.timedelta(minutes=5))
    first = agent.get(url).get_data(as_text=True)
    monkeypatch.setattr(Clock, "now", lambda _self: started + dt.timedelta(minutes=12, seconds=30))
    hits = ATTEMPT_PAGES.hits
    later = agent.get(url).get_data(as_text=True)
    assert ATTEMPT_PAGES.hits == hits + 1
    seconds, minutes = _time_left(first)
    assert 25 * 60 - 10 <= seconds <= 25 * 60 and minutes == seconds // 60
    seconds, minutes = _time_left(later)
    assert 17 * 60 + 30 - 10 <= seconds <= 17 * 60 + 30 and minutes == 17
    app.extensions["lms.db"].dispose()
