"""The training player in the browser's shoes: home, tracks, modules, exams, results, review."""

from __future__ import annotations

import re

import pytest

from tests.support.web import csrf_token, post_form, sign_up


@pytest.fixture
def agent(player_app):
    client = player_app.test_client()
    sign_up(client)
    return client


def test_home_shows_tracks_progress_and_locks(agent):
    page = agent.get("/home").get_data(as_text=True)
    assert "Core Marketplace Training" in page and "0 of 2 modules read" in page
    assert "Unlocks when you complete Core Marketplace Training." in page
    assert "Unlocks when you accept the SHOP Agreement." in page
    assert "Refresher" not in page  # not a returning agent
    assert agent.get("/continue").headers["Location"] == "/learn/py2030/core/intro"


def test_locked_and_unavailable_tracks_are_refused_with_the_reason(agent):
    locked = agent.get("/learn/py2030/extra/more")
    assert locked.status_code == 403 and "Unlocks when you complete" in locked.get_data(as_text=True)
    returning = agent.get("/learn/py2030/returning")
    assert returning.status_code == 403 and "previous plan year" in returning.get_data(as_text=True)
    assert agent.get("/exams/py2030/returning/refresh").status_code == 403


def test_reading_a_module_and_marking_it_complete(agent):
    page = agent.get("/learn/py2030/core/intro").get_data(as_text=True)
    assert "The intro text." in page and "Not completed yet" in page
    response = post_form(agent, "/learn/py2030/core/intro/complete", {}, form_url="/learn/py2030/core/intro")
    assert response.headers["Location"] == "/learn/py2030/core/rules"
    assert "Completed" in agent.get("/learn/py2030/core/intro").get_data(as_text=True)
    assert "1 of 2 modules read" in agent.get("/learn/py2030/core").get_data(as_text=True)


def test_the_module_with_an_exam_leads_to_it(agent):
    response = post_form(agent, "/learn/py2030/core/rules/complete", {}, form_url="/learn/py2030/core/rules")
    assert response.headers["Location"] == "/exams/py2030/core/rules"
    page = agent.get("/exams/py2030/core/rules").get_data(as_text=True)
    assert "0 of 3 used" in page and "Pass mark" in page and "Start the exam" in page


def _start(agent, exam_key="py2030/core/rules") -> str:
    response = post_form(agent, f"/exams/{exam_key}/start", {}, form_url=f"/exams/{exam_key}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def test_attempt_page_is_stable_across_reloads_and_accessible(agent):
    url = _start(agent)
    first, second = agent.get(url).get_data(as_text=True), agent.get(url).get_data(as_text=True)
    strip = lambda page: re.sub(r'name="csrf_token" value="[^"]+"', "", page)  # noqa: E731
    assert strip(first) == strip(second)
    assert first.count("<fieldset") == 6 and first.count("<legend") == 6
    assert 'type="radio"' in first and 'type="checkbox"' in first and "<select" in first
    assert _start(agent) == url  # starting again resumes the open attempt


def test_saving_keeps_answers_and_submission_scores(agent, player_app):
    from lms.models import Attempt
    from lms.services import exams
    from tests.support.player_tree import answer_values

    url = _start(agent)
    attempt_id = int(url.rsplit("/", 1)[1])
    with player_app.extensions["lms.db"].reading() as session:
        attempt = session.get(Attempt, attempt_id)
        exam, layout = exams.attempt_exam(session, attempt)
    values = answer_values(exam, layout, right=True)
    token = csrf_token(agent, url)
    saved = agent.post(f"{url}/save", data={**values, "csrf_token": token})
    assert saved.headers["Location"] == url
    page = agent.get(url).get_data(as_text=True)
    assert "6 of 6 answered" in page and "checked" in page and "selected" in page
    as_json = agent.post(f"{url}/save", data={**values, "csrf_token": token}, headers={"Accept": "application/json"})
    assert as_json.get_json()["saved"] is True
    result = agent.post(f"{url}/submit", data={**values, "csrf_token": token}, follow_redirects=True)
    body = result.get_data(as_text=True)
    assert "100.0%" in body and "Passed" in body and "Review your answers" in body
    review = agent.get(f"{url}/review").get_data(as_text=True)
    assert "Only <strong>silver</strong> plans" in review and "(your answer)" in review


def test_submitting_unanswered_questions_asks_first_and_keeps_the_answers(agent):
    url = _start(agent)
    token = csrf_token(agent, url)
    page = agent.get(url).get_data(as_text=True)
    first_numeric = re.search(r'name="(q-days)"', page).group(1)
    asked = agent.post(f"{url}/submit", data={"csrf_token": token, first_numeric: "60"})
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Submit with unanswered questions?" in body
    assert body.count("Question ") >= 5 and "Submit anyway for scoring" in body
    assert 'value="60"' in agent.get(url).get_data(as_text=True)  # nothing lost, no attempt spent
    done = post_form(agent, f"{url}/submit", {"confirm": "yes", "saved": "yes"}, form_url=url, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Not passed" in text and "You have 2 attempts left" in text


def test_the_last_attempt_says_so(agent):
    for _ in range(2):
        url = _start(agent)
        post_form(agent, f"{url}/submit", {"confirm": "yes"}, form_url=url)
    assert "This is your last attempt." in agent.get(_start(agent)).get_data(as_text=True)


def test_failing_shows_which_questions_were_missed_but_not_the_answers(agent):
    url = _start(agent)
    token = csrf_token(agent, url)
    body = agent.post(f"{url}/submit", data={"csrf_token": token, "confirm": "yes"},
                      follow_redirects=True).get_data(as_text=True)
    assert "0.0%" in body and "Not passed" in body and "You have 2 attempts left" in body
    assert "See which questions you missed" in body and "Review your answers" not in body
    review = agent.get(f"{url}/review")
    page = review.get_data(as_text=True)
    assert review.status_code == 200 and page.count("0 of ") == 6
    assert "Re-read: <a href=\"/learn/py2030/core/rules#rules\">" in page
    assert "Once you pass: which questions you got right and wrong, with the correct answers" in page
    assert "Only <strong>silver</strong> plans" not in page and "(your answer)" not in page


def test_after_the_last_failed_attempt_the_exam_says_to_contact_an_admin(agent):
    for _ in range(3):
        url = _start(agent)
        agent.post(f"{url}/submit", data={"csrf_token": csrf_token(agent, url), "confirm": "yes"})
    page = agent.get("/exams/py2030/core/rules").get_data(as_text=True)
    assert "You have used all 3 attempts without passing. Contact an administrator" in page
    response = post_form(agent, "/exams/py2030/core/rules/start", {}, form_url="/exams/py2030/core/rules")
    assert "Contact an administrator" in agent.get(response.headers["Location"]).get_data(as_text=True)


def test_another_agents_attempt_does_not_exist(agent, player_app):
    url = _start(agent)
    other = player_app.test_client()
    sign_up(other)
    assert other.get(url).status_code == 404
    assert other.post(f"{url}/submit", data={"csrf_token": csrf_token(other, "/home")}).status_code == 404


def test_tracker_links_the_training_step_to_the_chosen_track(agent):
    page = agent.get("/tracker").get_data(as_text=True)
    training = page.split('id="step-training"')[1].split("</li>")[0]
    assert 'href="/learn/py2030/core"' in training and "Not started" in training


def test_an_attempt_past_its_deadline_is_scored_with_saved_answers_and_says_so(agent, player_app):
    import datetime as dt

    from lms.models import Attempt

    url = _start(agent)
    attempt_id = int(url.rsplit("/", 1)[1])
    with player_app.extensions["lms.db"].unit_of_work() as uow, uow.write() as session:
        attempt = session.get(Attempt, attempt_id)
        attempt.deadline = attempt.started_at - dt.timedelta(minutes=1)
    response = agent.get(url)
    assert response.headers["Location"] == f"{url}/result"
    page = agent.get(f"{url}/result").get_data(as_text=True)
    assert "Time ran out on this attempt" in page and "0.0%" in page
    late = agent.post(f"{url}/save", data={"csrf_token": csrf_token(agent, "/home")}, follow_redirects=True)
    assert "already submitted" in late.get_data(as_text=True)


def test_an_admin_grants_an_attempt_and_the_agent_can_start_it(player_app, agent):
    from lms.services import accounts
    from tests.support.web import sign_in

    url = "/exams/py2030/core/rules"
    for _ in range(3):
        attempt = _start(agent)
        post_form(agent, f"{attempt}/submit", {"confirm": "yes"}, form_url=url)
    assert "Contact an administrator" in agent.get(url).get_data(as_text=True)
    with player_app.extensions["lms.db"].unit_of_work() as uow:
        accounts.create_account(uow, "granter@example.com", "correct horse battery staple", role="admin")
        from lms.models import Attempt

        user_id = uow.session.query(Attempt).first().user_id
    admin = player_app.test_client()
    sign_in(admin, "granter@example.com", "correct horse battery staple")
    page = f"/admin/users/{user_id}"
    assert "Rules exam" in admin.get(page).get_data(as_text=True)
    refused = post_form(admin, f"{page}/grant", {"exam": "py2030/core/rules", "reason": ""}, form_url=page,
                        follow_redirects=True)
    assert "Say why" in refused.get_data(as_text=True)
    granted = post_form(admin, f"{page}/grant", {"exam": "py2030/core/rules", "reason": "Lost connection"},
                        form_url=page, follow_redirects=True)
    assert "One more attempt" in granted.get_data(as_text=True)
    assert "Start attempt 4" in agent.get(url).get_data(as_text=True)
    entries = admin.get(page).get_data(as_text=True)
    assert "attempt.granted" in entries and "Lost connection" in entries


def test_results_write_points_as_people_do(agent):
    url = _start(agent)
    body = post_form(agent, f"{url}/submit", {"confirm": "yes"}, form_url=url, follow_redirects=True)
    assert "(0 of 6 points)" in body.get_data(as_text=True) and "0.0 of" not in body.get_data(as_text=True)


def test_a_failed_result_sends_the_agent_back_to_the_sections_they_missed(agent, player_app):
    from lms.models import Attempt
    from lms.services import exams
    from tests.support.player_tree import answer_values

    url = _start(agent)
    failed = post_form(agent, f"{url}/submit", {"confirm": "yes"}, form_url=url, follow_redirects=True)
    page = failed.get_data(as_text=True)
    assert "Re-read these sections" in page
    assert 'href="/learn/py2030/core/rules#rules">Rules</a>' in page
    assert 'href="/learn/py2030/core/intro#welcome">Welcome</a> (Introduction)' in page
    assert agent.get("/learn/py2030/core/intro").get_data(as_text=True).count('id="welcome"') == 1

    passed_url = _start(agent)
    with player_app.extensions["lms.db"].reading() as session:
        exam, layout = exams.attempt_exam(session, session.get(Attempt, int(passed_url.rsplit("/", 1)[1])))
    values = answer_values(exam, layout, right=True)
    passed = agent.post(f"{passed_url}/submit", data={**values, "csrf_token": csrf_token(agent, passed_url)},
                        follow_redirects=True).get_data(as_text=True)
    assert "Passed" in passed and "Re-read these sections" not in passed
