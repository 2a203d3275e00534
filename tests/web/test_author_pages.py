"""Author tools through the web: the content list with statuses, module and exam previews, exam versions."""

from __future__ import annotations

import re

import pytest

from lms.models import Attempt
from lms.services import accounts, exams
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values
from tests.support.web import csrf_token, post_form, sign_in, sign_up

EXAM = "py2030/core/rules"


@pytest.fixture
def author(player_app):
    with player_app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, "writer@example.com", TEST_PASSWORD, role="author")
    client = player_app.test_client()
    sign_in(client, "writer@example.com")
    return client


def pass_the_exam(player_app) -> str:
    """An agent passes the rules exam answering everything right; returns their review page."""
    agent = player_app.test_client()
    sign_up(agent)
    url = post_form(agent, f"/exams/{EXAM}/start", {}, form_url=f"/exams/{EXAM}").headers["Location"]
    with player_app.extensions["lms.db"].reading() as session:
        exam, layout = exams.attempt_exam(session, session.get(Attempt, int(url.rsplit("/", 1)[1])))
    agent.post(f"{url}/submit", data={**answer_values(exam, layout), "csrf_token": csrf_token(agent, url)})
    return agent.get(f"{url}/review").get_data(as_text=True)


def review_body(page: str, prompt: str) -> str:
    """One question's review, from its prompt to the end of its section."""
    return re.search(rf'<div class="markdown">(?:(?!</section>).)*?{re.escape(prompt)}.*?</section>', page, re.S).group(0)


def test_the_content_page_lists_every_item_with_its_status_and_previews(author):
    page = author.get("/author/content").get_data(as_text=True)
    for heading in ("Programs", "Tracks", "Modules", "Exams", "Agreements"):
        assert f'">{heading}</h2>' in page
    assert "<code>py2030/core/intro</code>" in page and "<code>courses/py2030/core/01-intro.md</code>" in page
    assert page.count('<span class="status status-complete">OK</span>') == 1 + 5 + 6 + 2 + 2  # programs, tracks, modules, exams, agreements
    assert f'href="/author/exams/{EXAM}/preview"' in page and f'href="/author/exams/{EXAM}/versions"' in page
    assert 'href="/author/modules/py2030/core/intro"' in page and 'href="/learn/py2030/agreements/shop"' in page


def test_a_module_preview_shows_the_module_and_leads_to_its_exam(author):
    page = author.get("/author/modules/py2030/core/rules").get_data(as_text=True)
    assert "<h1>The Rules</h1>" in page and "Rules text." in page
    assert "Rules exam: 6 of 6 questions asked, pass mark 70%, 3 attempts." in page
    assert f'href="/author/exams/{EXAM}/preview"' in page
    assert author.get("/author/modules/py2030/core/nothing").status_code == 404


def test_an_exam_preview_shows_the_key_feedback_and_explanations_as_the_review_page_does(author, player_app):
    page = author.get(f"/author/exams/{EXAM}/preview").get_data(as_text=True)
    assert page.count('<section class="review-item"') == 6
    assert "Silver<strong> (your answer)</strong><strong> (correct answer)</strong>" in page
    assert "Only <strong>silver</strong> plans carry cost-sharing reductions." in page and "<h3>Why</h3>" in page
    assert "Bronze plans have no cost-sharing reductions." in page  # every choice's feedback, in the notes
    assert "Pass mark</dt><dd>70%" in page and "Once you pass: which questions you got right and wrong" in page
    review = pass_the_exam(player_app)
    for prompt in ("Agents must use their own NPN.", "How many days does a typical SEP last?"):
        assert review_body(page, prompt) == review_body(review, prompt)  # the very same HTML
    wrong = author.get(f"/author/exams/{EXAM}/preview?answered=wrong").get_data(as_text=True)
    assert 'Re-read: <a href="/learn/py2030/core/rules#rules">' in wrong
    assert "A birthday<strong> (your answer)</strong>" in wrong
    assert author.get("/author/exams/py2030/core/nothing/preview").status_code == 404


def test_versions_list_attempts_per_content_version_and_preview_the_stored_one(author, player_app):
    pass_the_exam(player_app)
    page = author.get(f"/author/exams/{EXAM}/versions").get_data(as_text=True)
    exam = player_app.extensions["lms.catalog"].catalog.exams[EXAM]
    assert "Version 1 (current)" in page and f"<code>{exam.content_hash[:10]}</code>" in page
    assert re.search(r"<td>1</td>\s*<td>1</td>\s*<td><a href=\"/author/exams/py2030/core/rules/preview\?version=",
                     page)
    assert "Showing 1–1 of 1 attempts, newest first." in page and "100% passed" in page
    stored = author.get(f"/author/exams/{EXAM}/preview?version={exam.content_hash}").get_data(as_text=True)
    assert "(what the file says today)" in stored
    assert author.get(f"/author/exams/{EXAM}/preview?version={'0' * 64}").status_code == 404


def test_learners_reach_none_of_it(player_app):
    agent = player_app.test_client()
    sign_up(agent)
    for url in ("/author/content", f"/author/exams/{EXAM}/preview", f"/author/exams/{EXAM}/versions",
                "/author/modules/py2030/core/rules"):
        response = agent.get(url)
        assert response.status_code == 403 and "Only <strong>silver</strong>" not in response.get_data(as_text=True)
