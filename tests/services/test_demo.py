"""Demo agents: every step of the registration populated, consistent with what the services decide."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from lms.models import Attempt, AttemptItem, RegistrationCompletion, TrackCompletion, User
from lms.services import dashboard, demo, exams, item_analysis, people_list, registration
from lms.services.exam_versions import load_version
from lms.services.item_scores import item_rows
from lms.services.layout import layout_for
from lms.services.progress import track_progress

NOW = dt.datetime(2021, 9, 15, 18, tzinfo=dt.UTC)
COUNT = 60


@pytest.fixture
def loaded(uow, catalog):
    report = demo.generate(uow, catalog, count=COUNT, seed=11, now=NOW, password_hash="not used", admin_id=None)
    return report


def test_every_step_of_the_funnel_has_agents_and_some_are_locked_out(uow, catalog, loaded):
    assert loaded.agents == COUNT
    assert set(loaded.stages) == {stage for stage, _ in demo.STAGES}
    program = catalog.programs["py2022"]
    funnel = dashboard.funnel(uow.session, catalog, program)
    counts = [stage.agents for stage in funnel]
    assert counts[0] == COUNT and all(count > 0 for count in counts)
    assert counts == sorted(counts, reverse=True) and counts[-1] < counts[0]
    locked = people_list.people_page(uow.session, catalog, program, people_list.PeopleFilter(training="locked"))
    assert locked.total == loaded.stages["locked"] >= 1
    per_day = dashboard.completions_per_day(uow.session, program)
    assert len(per_day) > 3 and per_day[-1][0] <= NOW.date() and per_day[0][0] >= (NOW - demo.WINDOW).date()


def test_completions_are_where_the_registration_service_says_they_are(uow, catalog, loaded):
    program = catalog.programs["py2022"]
    done = set(uow.session.execute(select(RegistrationCompletion.user_id, RegistrationCompletion.registration_key)))
    trained = set(uow.session.scalars(select(TrackCompletion.user_id)))
    for user in uow.session.scalars(select(User).where(User.email.like(f"%@{demo.DOMAIN}"))):
        status = registration.registration_status(uow.session, catalog, user, program)
        for state in status.registrations:
            assert state.complete == ((user.id, state.registration.key) in done), (user.email, state)
        complete = any(track_progress(uow.session, catalog, user.id, track).complete
                       for track in dashboard.training_tracks(catalog, program))
        assert complete == (user.id in trained), user.email
    assert loaded.completions == len(done) > 0


def test_scores_and_item_rows_are_the_exam_engines(uow, catalog, loaded):
    attempts = list(uow.session.scalars(select(Attempt)))
    assert len(attempts) == loaded.attempts > 0
    assert {attempt.passed for attempt in attempts} == {True, False}
    items = {(row.attempt_id, row.question_id): row for row in uow.session.scalars(select(AttemptItem))}
    for attempt in attempts:
        exam = load_version(uow.session, attempt.content_hash)
        score = exams.score_answers(exam, layout_for(exam, attempt.seed), attempt.answers)
        assert (score.points, score.percent, score.passed, score.results) == (
            attempt.points, attempt.percent, attempt.passed, attempt.results)
        for row in item_rows(attempt.id, attempt.content_hash, exam, attempt.answers, score.results):
            stored = items[(attempt.id, row["question_id"])]
            assert (stored.points, stored.picked) == (row["points"], row["picked"])
    report = item_analysis.exam_report(uow.session, catalog, "py2022/marketplace/agent-role")
    facilities = [item.facility for item in report.items if item.facility is not None]
    assert report.overall.attempts > 0 and len(facilities) > 3 and min(facilities) < max(facilities)


def test_the_same_seed_makes_the_same_agents_and_a_second_load_is_refused(uow, catalog, loaded):
    program = catalog.programs["py2022"]

    def planned(seed: int) -> list[tuple]:
        return [(journey.email, journey.stage, [(step.kind, step.at, step.attempt.answers if step.attempt else None)
                                                for step in journey.steps])
                for journey in demo.plan(catalog, program, 20, seed, NOW)]

    assert planned(5) == planned(5) != planned(6)
    with pytest.raises(demo.DemoLoaded, match=f"{COUNT} demo agents"):
        demo.generate(uow, catalog, count=5, seed=12, now=NOW, password_hash="x", admin_id=None)
    assert uow.session.scalar(select(func.count()).select_from(User)) == COUNT
