"""Progress an agent can read on home, track, module, exam and result pages."""

from __future__ import annotations

import re

import pytest

from lms.models import Attempt
from lms.services import exams
from tests.support.apps import make_app
from tests.support.player_tree import answer_values, write_player_tree
from tests.support.web import csrf_token, post_form, sign_up

EXAM = "/exams/py2030/core/rules"


@pytest.fixture
def agent(player_app):
    client = player_app.test_client()
    sign_up(client)
    client.app = player_app
    return client


def read(agent, *slugs: str) -> None:
    for slug in slugs:
        url = f"/learn/py2030/core/{slug}"
        assert post_form(agent, f"{url}/complete", {}, form_url=url).status_code == 302


def take_exam(agent, right: bool) -> str:
    """Start and submit an attempt, every answer right or none; the result page's address."""
    url = post_form(agent, f"{EXAM}/start", {}, form_url=EXAM).headers["Location"]
    with agent.app.extensions["lms.db"].reading() as session:
        exam, layout = exams.attempt_exam(session, session.get(Attempt, int(url.rsplit("/", 1)[1])))
    values = answer_values(exam, layout, right) if right else {}
    response = agent.post(f"{url}/submit", data={**values, "confirm": "yes", "csrf_token": csrf_token(agent, url)})
    assert response.headers["Location"] == f"{url}/result"
    return f"{url}/result"


def words(page: str) -> str:
    """The page's text as a reader meets it: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_home_and_track_show_percent_modules_exams_and_reading_time_left(agent):
    assert "0% complete · 0 of 2 modules read · 0 of 1 exams passed · about 5 minutes of reading left · required" \
        in words(agent.get("/home").get_data(as_text=True))
    read(agent, "intro")
    track = agent.get("/learn/py2030/core").get_data(as_text=True)
    line = words(track)
    assert "33% complete · 1 of 2 modules read · 0 of 1 exams passed · required" in line
    assert "minutes of reading left" not in line  # the only estimate belonged to the module just read
    assert '<progress max="3" value="1"' in track
    read(agent, "rules")
    take_exam(agent, right=True)
    assert "100% complete · 2 of 2 modules read · 1 of 1 exams passed" in words(agent.get("/home").get_data(as_text=True))


def test_a_module_page_says_where_it_sits_in_its_track(agent):
    assert "Module 1 of 2 · About 5 minutes" in agent.get("/learn/py2030/core/intro").get_data(as_text=True)
    assert "Module 2 of 2 · Not completed yet" in agent.get("/learn/py2030/core/rules").get_data(as_text=True)


def test_the_exam_page_offers_to_continue_only_after_a_pass(agent):
    read(agent, "intro", "rules")
    take_exam(agent, right=False)
    assert "Continue your training" not in agent.get(EXAM).get_data(as_text=True)
    take_exam(agent, right=True)
    page = agent.get(EXAM).get_data(as_text=True)
    # The exam closes the track, so there is no next module in it: the way on is the next open step.
    assert "You have passed this exam, the last of Core Marketplace Training." in page
    assert 'href="/continue">Continue your training</a>' in page


def test_the_exam_page_offers_the_next_module_after_a_pass(tmp_path, monkeypatch, sqlite_url):
    root = write_player_tree(tmp_path / "content", {
        "courses/py2030/core/track.yaml": "title: Core\nsatisfies: marketplace-training\n"
                                          "modules: [01-intro.md, 02-rules.md, 03-wrap-up.md]\n",
        "courses/py2030/core/03-wrap-up.md": "---\ntitle: Wrapping up\nminutes: 12\n---\nThe end.\n"})
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(root), TODAY="2029-09-01")
    try:
        agent = app.test_client()
        sign_up(agent)
        agent.app = app
        assert "Module 3 of 3" in agent.get("/learn/py2030/core/wrap-up").get_data(as_text=True)
        take_exam(agent, right=True)
        page = agent.get(EXAM).get_data(as_text=True)
        assert 'href="/learn/py2030/core/wrap-up">Next module: Wrapping up</a>' in page
    finally:
        app.extensions["lms.db"].dispose()


def test_a_failed_attempt_seen_after_the_pass_says_it_was_an_earlier_attempt(agent):
    failed = take_exam(agent, right=False)
    before = agent.get(failed).get_data(as_text=True)
    assert 'status-action_needed">Not passed</span>' in before  # while it is the outcome, it says so plainly
    passed = take_exam(agent, right=True)
    after = agent.get(failed).get_data(as_text=True)
    assert "You have passed Rules exam" in after
    assert 'status-action_needed">Not passed' not in after
    assert "Earlier attempt: not passed" in after
    assert re.search(rf'You passed later, with <a href="{passed.removesuffix("/result")}/result">attempt 2</a>', after)
    assert 'status-complete">Passed</span>' in agent.get(passed).get_data(as_text=True)


def test_a_retake_that_fails_after_the_pass_does_not_undo_it_and_says_so(agent):
    take_exam(agent, right=True)
    retake = agent.get(take_exam(agent, right=False)).get_data(as_text=True)
    assert "This attempt: not passed" in retake and "your result that counts does" in retake
    assert 'status-action_needed">Not passed' not in retake


def test_once_the_training_is_done_home_names_what_registration_still_needs_with_links(agent):
    home = agent.get("/home").get_data(as_text=True)
    assert "what is left for registration" not in home
    read(agent, "intro", "rules")
    take_exam(agent, right=True)
    home = agent.get("/home").get_data(as_text=True)
    left = home.split('id="left-heading"')[1].split("</section>")[0]
    assert "Your training is done: what is left for registration" in home
    assert '<a href="/profile">Complete your agent profile with a valid NPN</a>' in left
    assert "<li>Verify your identity: An administrator confirms your identity" in left  # no link: an admin does it
    assert 'href="/learn/py2030/agreements/general">Read and accept the Individual Marketplace agreement</a>' in left
    assert "Complete the Marketplace training" not in left  # done, so not listed
    assert 'href="/tracker">Open your Registration Tracker</a>' in left
