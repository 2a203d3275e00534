"""Walk every page of an exam as a learner: no part of the answer key shows until review allows it."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from lms.content.catalog import Exam
from lms.models import Attempt
from tests.support.web import csrf_token, post_form, sign_up


def key_markers(exam: Exam) -> set[str]:
    """Strings that would give an answer away: explanations, feedback, right values, right markers."""
    markers = {"(correct answer)", ">Correct answer</", 'class="right'}
    for question in exam.questions:
        feedback = [choice.feedback_html for choice in getattr(question.data, "choices", ())]
        for fragment in [question.explanation_html] + feedback:
            text = re.sub(r"<[^>]+>", "", fragment).strip()
            if text:
                markers.update({fragment.strip(), html.unescape(text)})
        if question.type == "numeric":
            answer = question.data.answer
            markers.update({f'value="{answer:g}"', f'"{answer:g}"', f">{answer:g}<"})
    return markers


def leaks(body: str, markers: set[str]) -> list[str]:
    return sorted(marker for marker in markers if marker in body or marker in html.unescape(body))


def walk_until_submitted(client, module_url: str, exam_key: str, answers: dict | None = None) -> list[tuple[str, str]]:
    """Every response a learner gets from reading the module to seeing a submitted attempt's result."""
    seen = []

    def get(url):
        response = client.get(url)
        seen.append((f"GET {url}", response.get_data(as_text=True)))
        return response

    get(module_url)
    get(f"/exams/{exam_key}")
    start = post_form(client, f"/exams/{exam_key}/start", {}, form_url=f"/exams/{exam_key}")
    seen.append(("POST start", start.get_data(as_text=True)))
    attempt_url = start.headers["Location"]
    get(attempt_url)
    token = csrf_token(client, attempt_url)
    data = {**(answers or {}), "csrf_token": token}
    saved = client.post(f"{attempt_url}/save", data=data, headers={"Accept": "application/json"})
    seen.append(("POST save (json)", saved.get_data(as_text=True)))
    saved = client.post(f"{attempt_url}/save", data=data)
    seen.append(("POST save", saved.get_data(as_text=True)))
    get(attempt_url)
    submitted = client.post(f"{attempt_url}/submit", data=data)
    seen.append(("POST submit", submitted.get_data(as_text=True)))
    get(f"{attempt_url}/result")
    get(f"{attempt_url}/review")
    get(f"/exams/{exam_key}")
    get("/home")
    get("/tracker")
    return seen


def test_nothing_of_the_key_appears_before_review_is_allowed(player_app, player_catalog):
    client = player_app.test_client()
    sign_up(client)
    exam = player_catalog.exams["py2030/core/rules"]
    markers = key_markers(exam)
    for step, body in walk_until_submitted(client, "/learn/py2030/core/rules", exam.key):
        assert leaks(body, markers) == [], step


def test_no_page_shows_the_attempts_seed(player_app, player_catalog):
    """The seed says which position in the exam's file each option token stands for (an ordering question's
    file order is its answer): the attempt page's layout note carries it masked, and no page shows it."""
    client = player_app.test_client()
    sign_up(client)
    walked = walk_until_submitted(client, "/learn/py2030/core/rules", "py2030/core/rules")
    with player_app.extensions["lms.db"].reading() as session:
        (seed,) = session.scalars(select(Attempt.seed)).all()
    shown = [step for step, body in walked if str(seed) in body or format(seed, "x") in body]
    assert shown == []
    assert any('name="layout_note"' in body for _step, body in walked)  # the note is there, masked


def test_the_same_walk_shows_the_key_once_review_is_allowed(player_app, player_catalog):
    """The control: after a pass (review: after_pass) the markers do appear, so the check above can fail."""
    from lms.models import Attempt
    from lms.services import exams
    from tests.support.player_tree import answer_values

    client = player_app.test_client()
    sign_up(client)
    exam = player_catalog.exams["py2030/core/rules"]
    start = post_form(client, f"/exams/{exam.key}/start", {}, form_url=f"/exams/{exam.key}")
    attempt_id = int(start.headers["Location"].rsplit("/", 1)[1])
    with player_app.extensions["lms.db"].reading() as session:
        version, layout = exams.attempt_exam(session, session.get(Attempt, attempt_id))
    url = start.headers["Location"]
    client.post(f"{url}/submit", data={**answer_values(version, layout), "csrf_token": csrf_token(client, url)})
    review = client.get(f"{url}/review").get_data(as_text=True)
    assert len(leaks(review, key_markers(exam))) >= 5


def test_review_never_keeps_the_key_hidden_even_after_a_pass(player_app, player_catalog):
    from lms.models import RegistrationCompletion, User
    from lms.services.profiles import ProfileInput, save_profile

    client = player_app.test_client()
    email = sign_up(client)
    with player_app.extensions["lms.db"].unit_of_work() as uow:
        user = uow.session.query(User).filter_by(email=email).one()
        save_profile(uow, user.id, ProfileInput("Ana", "Ruiz", "1234567", False, "TX", ["TX"], "5125550100"))
        with uow.write() as session:
            session.add(RegistrationCompletion(user_id=user.id, program_key="py2029", npn="1234567"))
    exam = player_catalog.exams["py2030/returning/refresh"]
    markers = key_markers(exam)
    for step, body in walk_until_submitted(client, "/learn/py2030/returning/refresh", exam.key):
        assert leaks(body, markers) == [], step


@pytest.mark.parametrize("module_key", ["py2022/marketplace/eligibility-and-enrollment",
                                        "py2022/marketplace/financial-help",
                                        "py2022/marketplace/consumer-protections"])
def test_shipped_exams_do_not_leak_before_review(learner, catalog, module_key):
    module = catalog.modules[module_key]
    exam = catalog.exams[module.exam_key]
    for step, body in walk_until_submitted(learner, "/learn/" + module_key, exam.key):
        assert leaks(body, key_markers(exam)) == [], step
