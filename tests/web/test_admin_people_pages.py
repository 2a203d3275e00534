"""The admin's people list and person page, and the actions taken there, through the web."""

from __future__ import annotations

import re

import pytest

from lms.models import AgentProfile, User
from lms.services import accounts
from tests.support.apps import TEST_PASSWORD
from tests.support.web import post_form, sign_in, sign_up

EXAM = "/exams/py2030/core/rules"


@pytest.fixture
def agent(player_app):
    client = player_app.test_client()
    client.email = sign_up(client)
    post_form(client, "/learn/py2030/core/intro/complete", {}, form_url="/learn/py2030/core/intro")
    with player_app.extensions["lms.db"].unit_of_work() as uow, uow.write() as session:
        user = accounts.find_by_email(session, client.email)
        session.add(AgentProfile(user_id=user.id, first_name="Nadia", last_name="Okafor", npn="6789012",
                                 npn_status="not_found", resident_state="NC", sell_states="NC", phone="9195550100"))
        client.user_id = user.id
    return client


@pytest.fixture
def admin(player_app):
    with player_app.extensions["lms.db"].unit_of_work() as uow:
        user = accounts.create_account(uow, "chief@example.com", TEST_PASSWORD, role="admin")
        with uow.write() as session:
            session.add(AgentProfile(user_id=user.id, first_name="Grace", last_name="Chief", sell_states=""))
    client = player_app.test_client()
    sign_in(client, "chief@example.com")
    return client


def use_every_attempt(agent):
    for _ in range(3):
        started = post_form(agent, f"{EXAM}/start", {}, form_url=EXAM)
        post_form(agent, f"{started.headers['Location']}/submit", {"confirm": "yes"}, form_url=EXAM)
    assert "Contact an administrator" in agent.get(EXAM).get_data(as_text=True)


def test_the_list_filters_by_status_and_links_keep_the_filter(agent, admin):
    page = admin.get("/admin/users?npn=invalid&sort=activity&order=desc").get_data(as_text=True)
    assert "Nadia Okafor" in page and "6789012" in page and "Not found" in page
    assert "Showing 1–1 of 1 person." in page
    assert '<div class="table-scroll" role="region"' in page
    assert 'aria-sort="descending"' in page and "Last activity (UTC)" in page
    assert re.search(r'href="/admin/users\?[^"]*npn=invalid[^"]*sort=name', page)  # a sort link keeps the filter
    assert "Individual Marketplace" in page and "33%" in page and "Core Marketplace Training" in page
    none = admin.get("/admin/users?npn=valid").get_data(as_text=True)
    assert "No one matches." in none and "Nadia Okafor" not in none
    admins = admin.get("/admin/users?role=admin").get_data(as_text=True)
    assert "Grace Chief" in admins and "Nadia Okafor" not in admins
    searched = admin.get("/admin/users?q=okafor").get_data(as_text=True)
    assert "Nadia Okafor" in searched


def test_a_reset_lets_a_locked_out_agent_start_again_and_the_log_names_the_admin(agent, admin, player_app):
    use_every_attempt(agent)
    person = f"/admin/users/{agent.user_id}"
    locked = admin.get("/admin/users?training=locked").get_data(as_text=True)
    assert "Nadia Okafor" in locked and "Locked out of an exam" in locked
    refused = post_form(admin, f"{person}/reset", {"exam": "py2030/core/rules", "reason": ""}, form_url=person,
                        follow_redirects=True)
    assert "Say why you reset the exam" in refused.get_data(as_text=True)
    done = post_form(admin, f"{person}/reset", {"exam": "py2030/core/rules", "reason": "Scoring fault on 3 May"},
                     form_url=person, follow_redirects=True).get_data(as_text=True)
    assert "is reset: 3 attempts kept for history, no longer counted" in done
    exam_page = agent.get(EXAM).get_data(as_text=True)
    assert "Start the exam" in exam_page and "0 of 3 used" in exam_page
    page = admin.get(person).get_data(as_text=True)
    assert page.count("No: reset") == 3  # the attempts stay, marked as no longer counting
    log = page.split("<h2>Audit log</h2>")[1]
    assert "attempt.reset" in log and "Scoring fault on 3 May" in log
    assert "Grace Chief (chief@example.com)" in log and "Nadia Okafor (" in log  # names, not ids
    assert "Nadia Okafor" not in admin.get("/admin/users?training=locked").get_data(as_text=True)


def test_the_person_page_shows_attempts_progress_and_the_answers_against_the_key(agent, admin, player_app):
    use_every_attempt(agent)
    page = admin.get(f"/admin/users/{agent.user_id}").get_data(as_text=True)
    assert "Registration Tracker, as the agent sees it" in page and "Complete your agent profile" in page
    assert "Not found: your NPN is not in the producer registry" in page
    attempts = page.split("<h2>Attempts</h2>")[1].split("</table>")[0]
    assert attempts.count("<tr>") == 4 and "Rules exam" in attempts and "0.0%" in attempts
    assert "Not passed" in attempts and "min" in attempts
    assert attempts.count(" UTC</td>") >= 6  # each start and submission names its zone (an admin without one: UTC)
    with player_app.extensions["lms.db"].reading() as session:
        from lms.models import Attempt

        first = session.query(Attempt).filter_by(user_id=agent.user_id, number=1).one()
        content = first.content_hash
    assert content[:12] in attempts
    progress = page.split("<h2>Module progress</h2>")[1].split("</table>")[0]
    assert "Introduction" in progress and "not yet" not in progress.split("Introduction")[1].split("</tr>")[0]
    assert " UTC</td>" in progress
    answers = admin.get(f"/admin/users/{agent.user_id}/attempts/{first.id}").get_data(as_text=True)
    assert "Silver" in answers and "Question 6" in answers and content in answers
    assert admin.get(f"/admin/users/{agent.user_id + 1000}/attempts/{first.id}").status_code == 404
    assert agent.get(f"/admin/users/{agent.user_id}/attempts/{first.id}").status_code == 403


def test_role_and_identity_changes_need_a_reason(agent, admin, player_app):
    person = f"/admin/users/{agent.user_id}"
    refused = post_form(admin, f"{person}/role", {"role": "author", "reason": " "}, form_url=person,
                        follow_redirects=True).get_data(as_text=True)
    assert "Say why the role changes" in refused
    post_form(admin, f"{person}/role", {"role": "author", "reason": "Writes the SHOP course"}, form_url=person)
    with player_app.extensions["lms.db"].reading() as session:
        assert session.get(User, agent.user_id).role == "author"
    page = admin.get(person).get_data(as_text=True)
    assert "role.changed" in page and "Writes the SHOP course" in page
