"""The attempt page's questions are rendered once per (attempt layout, saved answers): a reload is
served from that render, and a save, from either the page's script or its form, shows at once."""

from __future__ import annotations

import re

from lms.web.player.exams import ATTEMPT_QUESTIONS
from tests.support.web import csrf_token, post_form, sign_up

EXAM = "/exams/py2030/core/rules"


def _started(client, email: str) -> str:
    sign_up(client, email)
    return post_form(client, f"{EXAM}/start", {}, form_url=EXAM).headers["Location"]


def test_a_reload_reuses_the_render_and_a_save_shows_at_once(player_app):
    agent = player_app.test_client()
    url = _started(agent, "reload@example.com")
    ATTEMPT_QUESTIONS.clear()
    first = agent.get(url).get_data(as_text=True)
    hits = ATTEMPT_QUESTIONS.hits
    assert agent.get(url).get_data(as_text=True).count("<fieldset") == 6
    assert ATTEMPT_QUESTIONS.hits == hits + 1
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
