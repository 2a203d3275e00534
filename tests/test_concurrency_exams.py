"""Double-clicks and many tabs: every attempt started within the limit and scored exactly once."""

from __future__ import annotations

from sqlalchemy import select

from lms.models import Attempt, AuditEntry
from lms.services import exams
from tests.support.apps import make_app
from tests.support.live import live_server, run_together, signed_up
from tests.support.player_tree import answer_values

TABS = 8


def _app(tmp_path, monkeypatch, db_url, player_root):
    return make_app(tmp_path, monkeypatch, db_url, CONTENT_ROOT=str(player_root), TODAY="2029-09-01")


def test_the_same_attempt_submitted_from_many_tabs_is_scored_once(tmp_path, monkeypatch, db_url, player_root):
    app = _app(tmp_path, monkeypatch, db_url, player_root)
    database = app.extensions["lms.db"]
    with live_server(app) as base:
        browser = signed_up(app, base, "tabs@example.com")
        token = browser.token("/exams/py2030/core/rules")
        status, _ = browser.request("/exams/py2030/core/rules/start", {"csrf_token": token})
        assert status == 302
        with database.reading() as session:
            attempt = session.scalar(select(Attempt))
            exam, layout = exams.attempt_exam(session, attempt)
        right, wrong = answer_values(exam, layout, True), answer_values(exam, layout, False)
        tabs = [browser.tab() for _ in range(TABS)]
        posts = [(lambda tab=tab, i=i: tab.request(f"/attempts/{attempt.id}/submit",
                                                   {**(right if i == 0 else wrong), "csrf_token": token}))
                 for i, tab in enumerate(tabs)]
        results = run_together(posts)
        assert [status for status, _ in results] == [302] * TABS
        pages = {browser.request(f"/attempts/{attempt.id}/result")[1].count("%</strong>") for _ in range(2)}
        assert pages == {1}
    with database.reading() as session:
        rows = list(session.scalars(select(Attempt)))
        scored = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "attempt.scored")))
    assert len(rows) == 1 and rows[0].submitted
    assert len(scored) == 1  # scored exactly once, whichever tab won
    assert scored[0].details["percent"] == rows[0].percent in (0.0, 100.0)
    database.dispose()


def test_parallel_starts_never_exceed_the_attempt_limit(tmp_path, monkeypatch, db_url, player_root):
    app = _app(tmp_path, monkeypatch, db_url, player_root)
    database = app.extensions["lms.db"]
    with live_server(app) as base:
        browser = signed_up(app, base, "starts@example.com")
        token = browser.token("/exams/py2030/core/rules")
        for _ in range(2):  # use two of the three attempts
            browser.request("/exams/py2030/core/rules/start", {"csrf_token": token})
            with database.reading() as session:
                open_attempt = session.scalar(select(Attempt).where(Attempt.status == "in_progress"))
            browser.request(f"/attempts/{open_attempt.id}/submit", {"csrf_token": token, "confirm": "yes"})
        tabs = [browser.tab() for _ in range(TABS)]
        results = run_together([(lambda tab=tab: tab.request("/exams/py2030/core/rules/start",
                                                             {"csrf_token": token})) for tab in tabs])
        assert all(status == 302 for status, _ in results)
        with database.reading() as session:
            third = session.scalar(select(Attempt).where(Attempt.number == 3))
            browser.request(f"/attempts/{third.id}/submit", {"csrf_token": token, "confirm": "yes"})
        again = run_together([(lambda tab=tab: tab.request("/exams/py2030/core/rules/start",
                                                           {"csrf_token": token})) for tab in tabs])
        assert all(status == 302 for status, _ in again)  # refused politely: back to the exam page
    with database.reading() as session:
        numbers = sorted(session.scalars(select(Attempt.number)))
    assert numbers == [1, 2, 3]
    database.dispose()


def test_many_agents_starting_at_once_each_get_one_attempt(tmp_path, monkeypatch, db_url, player_root):
    app = _app(tmp_path, monkeypatch, db_url, player_root)
    database = app.extensions["lms.db"]
    with live_server(app) as base:
        agents = [signed_up(app, base, f"agent{i}@example.com") for i in range(6)]
        tokens = [agent.token("/exams/py2030/core/rules") for agent in agents]
        calls = []
        for agent, token in zip(agents, tokens, strict=True):
            for tab in (agent, agent.tab()):
                calls.append(lambda tab=tab, token=token: tab.request("/exams/py2030/core/rules/start",
                                                                      {"csrf_token": token}))
        run_together(calls)
    with database.reading() as session:
        rows = list(session.scalars(select(Attempt)))
    assert len(rows) == 6 and {row.number for row in rows} == {1}
    database.dispose()


def test_parallel_grants_give_one_extra_attempt_each(tmp_path, monkeypatch, db_url, player_root):
    from lms.db import Database
    from lms.services import accounts
    from lms.services import exams as exam_service
    from lms.services.errors import RuleError
    from tests.support.player_tree import answer_values, getter, player_catalog

    catalog = player_catalog()
    exam = catalog.exams["py2030/core/rules"]
    database = Database(db_url)
    import datetime as dt

    now = dt.datetime(2029, 9, 1, tzinfo=dt.UTC)
    with database.unit_of_work() as uow:
        user_id = accounts.create_account(uow, "locked@example.com", "correct horse battery staple").id
        for _ in range(3):
            attempt = exam_service.start_attempt(uow, catalog, exam, user_id, now)
            version, layout = exam_service.attempt_exam(uow.session, attempt)
            exam_service.submit_attempt(uow, catalog, attempt.id, user_id,
                                        getter(answer_values(version, layout, False)), now)
    outcomes = []

    def grant():
        with database.unit_of_work() as uow:
            try:
                exam_service.grant_attempt(uow, exam, user_id, None, "two admins at once")
                outcomes.append("granted")
            except RuleError:
                outcomes.append("refused")

    run_together([grant] * 8)
    with database.unit_of_work() as uow:
        assert exam_service.standing(uow.session, exam, user_id).left == 1  # one grant, one extra attempt
    assert sorted(outcomes) == ["granted"] + ["refused"] * 7
    database.dispose()
