"""The admin's dashboard, exam statistics and attempts pages: admins only, readable, and the CSV streamed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from lms.services import accounts, exams
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter
from tests.support.web import sign_in

NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
EXAM = "py2030/core/rules"


def make_account(app, email: str, role: str = "learner") -> int:
    with app.extensions["lms.db"].unit_of_work() as uow:
        return accounts.create_account(uow, email, TEST_PASSWORD, role=role).id


def take(app, user_id: int, right: bool) -> None:
    catalog = app.extensions["lms.catalog"].catalog
    exam = catalog.exams[EXAM]
    with app.extensions["lms.db"].unit_of_work() as uow:
        attempt = exams.start_attempt(uow, catalog, exam, user_id, NOW)
        version, layout = exams.attempt_exam(uow.session, attempt)
        exams.submit_attempt(uow, catalog, attempt.id, user_id, getter(answer_values(version, layout, right)), NOW)


@pytest.fixture
def admin(player_app):
    client = player_app.test_client()
    make_account(player_app, "boss@example.com", "admin")
    sign_in(client, "boss@example.com")
    return client


@pytest.fixture
def attempts(player_app):
    """Three agents: one passes, one fails, one fails and then passes."""
    ids = [make_account(player_app, f"agent{n}@example.com") for n in range(3)]
    for user_id, results in zip(ids, ([True], [False], [False, True]), strict=True):
        for right in results:
            take(player_app, user_id, right)
    return ids


def stats_urls() -> list[str]:
    return ["/admin/stats/", "/admin/stats/programs/py2030", f"/admin/stats/exams/{EXAM}",
            f"/admin/stats/exams/{EXAM}/attempts", f"/admin/stats/exams/{EXAM}/attempts.csv"]


def test_every_statistics_route_is_listed_here(player_app):
    rules = sorted(rule.rule for rule in player_app.url_map.iter_rules() if rule.endpoint.startswith("admin_stats."))
    assert rules == sorted(["/admin/stats/", "/admin/stats/programs/<program_key>", "/admin/stats/exams/<path:exam_key>",
                            "/admin/stats/exams/<path:exam_key>/attempts",
                            "/admin/stats/exams/<path:exam_key>/attempts.csv"])


@pytest.mark.parametrize("role", ["learner", "author"])
def test_learners_and_authors_are_refused(player_app, role):
    client = player_app.test_client()
    make_account(player_app, f"{role}@example.com", role)
    sign_in(client, f"{role}@example.com")
    for url in stats_urls():
        assert client.get(url).status_code == 403, url


def test_visitors_are_sent_to_sign_in(player_app):
    for url in stats_urls():
        response = player_app.test_client().get(url)
        assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"], url


def test_admin_index_links_the_dashboard(admin):
    page = admin.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/stats/"' in page
    assert admin.get("/admin/stats/").headers["Location"].endswith("/admin/stats/programs/py2030")


def test_dashboard_draws_charts_with_their_numbers_beside(admin, attempts):
    page = admin.get("/admin/stats/programs/py2030").get_data(as_text=True)
    assert "<script" not in page
    funnel = re.search(r'<svg[^>]*aria-labelledby="funnel-chart-title funnel-chart-desc".*?</svg>', page, re.S)
    assert funnel and 'role="img"' in funnel.group(0)
    assert "Signed up: 3 (100%); Profile with a valid NPN: 0 (0%)" in funnel.group(0)  # the text alternative
    assert re.search(r"<th scope=\"row\">Signed up</th><td>3</td>", page)
    rules = page.split(f'href="/admin/stats/exams/{EXAM}"')[1].split("</tr>")[0]
    assert "Rules exam" in rules and "67% (2)" in rules and "<td>1.5</td>" in rules and "<td>4</td>" in rules
    assert "Rules exam: 67% of 3" in page  # the pass-rate chart's description
    assert "None yet: no agent has completed the training." in page
    assert "None yet: no agent has completed the Individual Marketplace registration." in page


def test_dashboard_with_no_agents_says_none_yet(admin):
    page = admin.get("/admin/stats/programs/py2030").get_data(as_text=True)
    assert "No agent has signed up yet." in page and "funnel-chart" not in page
    assert page.count("none yet") >= 4
    assert admin.get("/admin/stats/programs/py1999").status_code == 404


def test_exam_page_shows_scores_and_item_analysis(admin, attempts):
    page = admin.get(f"/admin/stats/exams/{EXAM}").get_data(as_text=True)
    assert "Version 1 (current) (shown below)" in page
    assert "<dt>Submitted attempts</dt><dd>4</dd>" in page
    assert "<dt>Pass rate</dt><dd>50%</dd>" in page  # two of four attempts
    assert "<dt>Median</dt><dd>50.0%</dd>" in page  # 0, 0, 100, 100
    assert "<dt>Cronbach's alpha</dt><dd>1.00</dd>" in page  # every question right or every one wrong
    row = page.split("<code>pick-one</code>")[1].split("</tr>")[0]
    assert re.search(r"<td>4</td>\s*<td>50%</td>", row) and "Silver <strong>(correct)</strong>: 2 (50%)" in row
    assert "Not a choice question" in page.split("<code>order</code>")[1].split("</tr>")[0]
    assert admin.get(f"/admin/stats/exams/{EXAM}?version=abc").status_code == 404
    assert admin.get("/admin/stats/exams/py2030/core/nothing").status_code == 404


def test_attempts_page_sorts_filters_and_pages(admin, attempts):
    page = admin.get(f"/admin/stats/exams/{EXAM}/attempts?sort=percent&dir=asc").get_data(as_text=True)
    emails = re.findall(r'>(agent\d@example\.com)</a>', page)
    assert emails == ["agent1@example.com", "agent2@example.com", "agent0@example.com", "agent2@example.com"]
    assert 'aria-sort="ascending"' in page and "4 attempts match" in page
    failed = admin.get(f"/admin/stats/exams/{EXAM}/attempts?result=failed").get_data(as_text=True)
    assert "2 attempts match" in failed and failed.count("Not passed</td>") == 2
    nobody = admin.get(f"/admin/stats/exams/{EXAM}/attempts?q=nobody").get_data(as_text=True)
    assert "None yet: no attempt matches." in nobody
    assert admin.get(f"/admin/stats/exams/{EXAM}/attempts?page=x&sort=drop+table").status_code == 200


def test_attempts_csv_streams_every_matching_attempt(admin, attempts):
    response = admin.get(f"/admin/stats/exams/{EXAM}/attempts.csv?result=passed&sort=agent&dir=asc")
    assert response.is_streamed and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["email"], row["attempt"], row["percent"], row["passed"]) for row in rows] == [
        ("agent0@example.com", "1", "100.00", "yes"), ("agent2@example.com", "2", "100.00", "yes")]
    assert {row["version"] for row in rows} == {"Version 1 (current)"}
    assert admin.get("/admin/stats/exams/py2030/core/nothing/attempts.csv").status_code == 404
