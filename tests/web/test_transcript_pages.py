"""The agent's transcript page and its PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import update

from lms.models import AgentProfile, Attempt, ModuleProgress
from lms.services import exams
from tests.support.player_tree import answer_values
from tests.support.web import csrf_token, post_form, sign_up

EXAM = "/exams/py2030/core/rules"


@pytest.fixture
def agent(player_app):
    client = player_app.test_client()
    sign_up(client)
    return client


def words(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def finish_core(agent, app) -> None:
    """Read both modules, fail the exam once, then pass it."""
    for slug in ("intro", "rules"):
        post_form(agent, f"/learn/py2030/core/{slug}/complete", {}, form_url=f"/learn/py2030/core/{slug}")
    for right in (False, True):
        url = post_form(agent, f"{EXAM}/start", {}, form_url=EXAM).headers["Location"]
        with app.extensions["lms.db"].reading() as session:
            exam, layout = exams.attempt_exam(session, session.get(Attempt, int(url.rsplit("/", 1)[1])))
        values = answer_values(exam, layout) if right else {}
        agent.post(f"{url}/submit", data={**values, "confirm": "yes", "csrf_token": csrf_token(agent, url)})


def today() -> str:
    return f"{dt.datetime.now(dt.UTC):%B %-d, %Y}"


def test_the_transcript_lists_tracks_modules_and_exams_with_dates_attempts_and_best_score(agent, player_app):
    before = words(agent.get("/transcript").get_data(as_text=True))
    assert "Core Marketplace Training Not started · required · 0 of 2 modules read, 0 of 1 exams passed" in before
    assert "1. Introduction Not started — — —" in before and "Exam: Rules exam Not taken — 0 of 3 —" in before
    finish_core(agent, player_app)
    with player_app.extensions["lms.db"].unit_of_work() as uow, uow.write() as session:
        session.execute(update(ModuleProgress).where(ModuleProgress.module_key == "py2030/core/intro")
                        .values(seconds_spent=65 * 60 + 20))
    page = agent.get("/transcript").get_data(as_text=True)
    text = words(page)
    assert "Plan Year 2030 Registration" in text and "Individual Marketplace registration: not complete" in text
    assert f"Core Marketplace Training Completed on {today()} · required · 2 of 2 modules read" in text
    assert f"1. Introduction {today()} 1 h 5 min — —" in text
    assert f"2. The Rules {today()} 0 min — —" in text  # read, with no seat time counted (no page-opened note)
    assert "time spent 1 h 5 min" in text
    assert f"Exam: Rules exam {today()} — 2 of 3 100% (6 of 6 points)" in text
    for title in ("Refresher", "Extra", "SHOP", "Help On Demand Training"):  # every track, started or not
        assert f"<h4>{title}</h4>" in page
    assert 'href="/transcript.pdf">Download as PDF</a>' in page


def test_the_transcript_is_linked_from_the_navigation_and_home_and_needs_a_sign_in(agent, player_app):
    home = agent.get("/home").get_data(as_text=True)
    header, main = home.split("<main", 1)
    assert '<a href="/transcript">Transcript</a>' in header.split('aria-label="Main"', 1)[1]
    assert '<a href="/transcript">Your training transcript</a>' in main
    stranger = player_app.test_client()
    assert stranger.get("/transcript").headers["Location"].startswith("/account/sign-in")
    assert stranger.get("/transcript.pdf").headers["Location"].startswith("/account/sign-in")


def test_another_agent_sees_only_their_own_transcript(agent, player_app):
    finish_core(agent, player_app)
    other = player_app.test_client()
    sign_up(other)
    text = words(other.get("/transcript").get_data(as_text=True))
    assert "Exam: Rules exam Not taken — 0 of 3 —" in text and "100%" not in text


def test_the_transcript_pdf_holds_the_module_and_exam_names_dates_and_scores(agent, player_app):
    import pypdf

    post_form(agent, "/profile", {"first_name": "Ana", "last_name": "Ruiz", "npn": "1234567", "resident_state": "TX",
                                  "sell_states": ["TX"], "phone": "512-555-0100"})
    finish_core(agent, player_app)
    response = agent.get("/transcript.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="transcript-{dt.datetime.now(dt.UTC):%Y-%m-%d}.pdf"'
    assert response.data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Training transcript" in text and "Ana Ruiz" in text and "1234567" in text
    for name in ("Introduction", "The Rules", "Exam: Rules exam", "Core Marketplace Training", "Refresher"):
        assert name in text, name
    assert today() in text and "100% (6 of 6 points)" in text and "2 of 3" in text
    assert reader.metadata.title == "Training transcript of Ana Ruiz"


def test_days_are_the_agents_own_once_they_choose_a_time_zone(agent, player_app):
    post_form(agent, "/profile", {"first_name": "Ana", "last_name": "Ruiz", "npn": "1234567", "resident_state": "HI",
                                  "sell_states": ["HI"], "phone": "808-555-0100"})
    post_form(agent, "/learn/py2030/core/intro/complete", {}, form_url="/learn/py2030/core/intro")
    late_evening_in_honolulu = dt.datetime(2029, 9, 2, 5, 0, tzinfo=dt.UTC)
    with player_app.extensions["lms.db"].unit_of_work() as uow, uow.write() as session:
        session.execute(update(ModuleProgress).values(completed_at=late_evening_in_honolulu))
    assert "1. Introduction September 2, 2029" in words(agent.get("/transcript").get_data(as_text=True))
    with player_app.extensions["lms.db"].unit_of_work() as uow, uow.write() as session:
        session.execute(update(AgentProfile).values(time_zone="Pacific/Honolulu"))
    page = words(agent.get("/transcript").get_data(as_text=True))
    assert "1. Introduction September 1, 2029" in page and "Days are as they were in your time zone" in page
