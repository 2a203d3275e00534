"""Item analysis against figures worked out on paper from six attempts (not by calling the same code).

The exam has five one-point questions, shown in file order. Six agents answer them so (1 = right):

    agent  q1 q2 q3 q4 q5  total  percent
    A1      1  1  1  0  1    4      80
    A2      1  1  1  0  1    4      80
    A3      1  1  0  0  1    3      60
    A4      1  0  1  0  1    3      60
    A5      0  0  0  1  1    2      40
    A6      0  0  0  0  1    1      20

The upper and lower groups are 27 % of 6 = 1.62, rounded to 2 attempts: A1, A2 and A5, A6.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math

import pytest
from sqlalchemy import delete, select

from lms.config import PROJECT_ROOT
from lms.content import load_catalog
from lms.models import AttemptItem
from lms.services import accounts, attempt_table, exams, item_analysis
from lms.services.errors import NotFound
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import getter, write_player_tree

NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)
KEY = "py2030/returning/refresh"

STATS_EXAM = """\
title: {title}
pass_percent: 60
shuffle: false
questions:
  - id: q1
    type: single
    prompt: First
    choices:
      - {{text: Right, correct: true}}
      - {{text: Wrong B, feedback: No.}}
      - {{text: Wrong C, feedback: No.}}
  - id: q2
    type: single
    prompt: Second
    choices:
      - {{text: Right X, correct: true}}
      - {{text: Wrong Y, feedback: No.}}
      - {{text: Wrong Z, feedback: No.}}
  - id: q3
    type: true_false
    prompt: Third
    answer: true
  - id: q4
    type: single
    prompt: Fourth
    choices:
      - {{text: Right P, correct: true}}
      - {{text: Wrong Q, feedback: No.}}
  - id: q5
    type: true_false
    prompt: Fifth
    answer: false
"""

# What each agent picked: a choice's position in the file, or True/False; a missing question was skipped.
ANSWERS = {
    "a1": {"q1": 0, "q2": 0, "q3": True, "q4": 1, "q5": False},
    "a2": {"q1": 0, "q2": 0, "q3": True, "q4": 1, "q5": False},
    "a3": {"q1": 0, "q2": 0, "q3": False, "q4": 1, "q5": False},
    "a4": {"q1": 0, "q2": 1, "q3": True, "q4": 1, "q5": False},
    "a5": {"q1": 1, "q2": 1, "q3": False, "q4": 0, "q5": False},
    "a6": {"q1": 2, "q3": False, "q4": 1, "q5": False},
}


def stats_catalog(tmp_path_factory, title: str):
    root = tmp_path_factory.mktemp("stats")
    return load_catalog(write_player_tree(root, {f"quizzes/{KEY}.yaml": STATS_EXAM.format(title=title)}))


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return stats_catalog(tmp_path_factory, "Statistics exam")


def take(uow, catalog, email: str, picks: dict, now: dt.datetime = NOW):
    user = accounts.find_by_email(uow.session, email) or accounts.create_account(uow, email, TEST_PASSWORD)
    exam = catalog.exams[KEY]
    attempt = exams.start_attempt(uow, catalog, exam, user.id, now)
    version, layout = exams.attempt_exam(uow.session, attempt)
    values = {}
    for qid, pick in picks.items():
        if qid not in layout.question_ids:
            continue  # not drawn for this attempt
        values[f"q-{qid}"] = [str(pick).lower()] if isinstance(pick, bool) else [layout.of(qid).tokens[pick]]
    return exams.submit_attempt(uow, catalog, attempt.id, user.id, getter(values), now)


@pytest.fixture
def six(uow, catalog):
    return [take(uow, catalog, f"{name}@example.com", picks, NOW + dt.timedelta(minutes=index))
            for index, (name, picks) in enumerate(ANSWERS.items())]


def test_the_fixture_scores_as_the_table_says(six):
    assert [attempt.percent for attempt in six] == [80, 80, 60, 60, 40, 20]


def test_mean_median_and_pass_rate(uow, catalog, six):
    report = item_analysis.exam_report(uow.session, catalog, KEY)
    figures = report.chosen.figures
    assert figures.attempts == 6
    assert figures.mean == pytest.approx(340 / 6)  # (80 + 80 + 60 + 60 + 40 + 20) / 6
    assert figures.median == pytest.approx(60)  # the middle two are 60 and 60
    assert figures.pass_rate == pytest.approx(4 / 6)  # pass mark 60 %: A1 to A4
    assert report.overall == figures  # one version only


def test_facility_discrimination_and_correlation(uow, catalog, six):
    items = {item.question.id: item for item in item_analysis.exam_report(uow.session, catalog, KEY).items}
    assert {qid: item.answered for qid, item in items.items()} == dict.fromkeys(("q1", "q2", "q3", "q4", "q5"), 6)
    # Facility: right answers / 6.
    assert items["q1"].facility == pytest.approx(4 / 6)
    assert items["q2"].facility == pytest.approx(3 / 6)
    assert items["q3"].facility == pytest.approx(3 / 6)
    assert items["q4"].facility == pytest.approx(1 / 6)
    assert items["q5"].facility == pytest.approx(1)
    # Discrimination: facility among A1, A2 minus facility among A5, A6.
    assert items["q1"].discrimination == pytest.approx(1 - 0)
    assert items["q2"].discrimination == pytest.approx(1 - 0)
    assert items["q3"].discrimination == pytest.approx(1 - 0)
    assert items["q4"].discrimination == pytest.approx(0 - 0.5)
    assert items["q5"].discrimination == pytest.approx(1 - 1)
    # Point-biserial r with totals T = 4, 4, 3, 3, 2, 1 (mean 17/6, variance 41/36; a shift of every
    # total by q5's point changes nothing). q1: x = 1, 1, 1, 1, 0, 0, mean 2/3, variance 2/9;
    # E[xT] = 14/6, cov = 14/6 - (2/3)(17/6) = 8/18; r = (4/9) / sqrt((2/9)(41/36)) = 8 / sqrt(82).
    assert items["q1"].point_biserial == pytest.approx(8 / math.sqrt(82))
    # q4: x = 0, 0, 0, 0, 1, 0; cov = 2/6 - (1/6)(17/6) = -5/36; r = (-5/36) / sqrt((5/36)(41/36)) = -5 / sqrt(205).
    assert items["q4"].point_biserial == pytest.approx(-5 / math.sqrt(205))
    assert items["q5"].point_biserial is None  # everyone right: no spread to correlate


def test_choices_picked(uow, catalog, six):
    items = {item.question.id: item for item in item_analysis.exam_report(uow.session, catalog, KEY).items}
    picks = {qid: [(option.html, option.picked, option.correct) for option in item.options]
             for qid, item in items.items()}
    assert picks["q1"] == [("Right", 4, True), ("Wrong B", 1, False), ("Wrong C", 1, False)]
    assert picks["q2"] == [("Right X", 3, True), ("Wrong Y", 2, False), ("Wrong Z", 0, False)]  # A6 skipped it
    assert picks["q3"] == [("True", 3, True), ("False", 3, False)]
    assert picks["q4"] == [("Right P", 1, True), ("Wrong Q", 5, False)]
    assert picks["q5"] == [("True", 0, False), ("False", 6, True)]
    assert [option.share for option in items["q2"].options] == pytest.approx([3 / 6, 2 / 6, 0])


def test_flags(uow, catalog, six):
    items = {item.question.id: item for item in item_analysis.exam_report(uow.session, catalog, KEY).items}
    assert {qid: item.flags for qid, item in items.items()} == {
        "q1": (), "q2": (), "q3": (), "q4": ("too_hard", "negative"), "q5": ("too_easy",)}
    assert items["q4"].flag_words == ("Too hard", "Discriminates negatively")


def test_cronbach_alpha(uow, catalog, six):
    """alpha = k/(k-1) (1 - sum of item variances / total variance), k = 5.

    Item variances p(1 - p): q1 2/9, q2 1/4, q3 1/4, q4 5/36, q5 0; sum 31/36.
    Totals 4, 4, 3, 3, 2, 1: mean 17/6, mean of squares 55/6, variance 55/6 - 289/36 = 41/36.
    alpha = 5/4 (1 - 31/41) = 5/4 * 10/41 = 25/82.
    """
    report = item_analysis.exam_report(uow.session, catalog, KEY)
    assert report.alpha.value == pytest.approx(25 / 82)


def test_too_few_answers_raise_no_flags_and_no_alpha(uow, catalog):
    take(uow, catalog, "solo@example.com", ANSWERS["a5"])
    report = item_analysis.exam_report(uow.session, catalog, KEY)
    assert all(item.flags == () for item in report.items)
    assert report.alpha.value is None and "two attempts" in report.alpha.note


def test_versions_are_kept_apart(uow, catalog, six, tmp_path_factory):
    edited = stats_catalog(tmp_path_factory, "Statistics exam, edited")
    assert edited.exams[KEY].content_hash != catalog.exams[KEY].content_hash
    take(uow, edited, "a6@example.com", {"q1": 0, "q2": 0, "q3": True, "q4": 0, "q5": False},
         NOW + dt.timedelta(days=1))
    report = item_analysis.exam_report(uow.session, edited, KEY)
    assert [(version.number, version.current, version.figures.attempts) for version in report.versions] == \
        [(1, False, 6), (2, True, 1)]
    assert report.chosen.number == 2 and report.title == "Statistics exam, edited"
    assert {item.question.id: item.facility for item in report.items}["q4"] == pytest.approx(1)
    assert report.overall.attempts == 7 and report.overall.mean == pytest.approx(440 / 7)
    first = item_analysis.exam_report(uow.session, edited, KEY, report.versions[0].content_hash)
    assert {item.question.id: item.facility for item in first.items}["q4"] == pytest.approx(1 / 6)
    assert first.alpha.value == pytest.approx(25 / 82)
    with pytest.raises(NotFound):
        item_analysis.exam_report(uow.session, edited, KEY, "0" * 64)


def test_a_draw_has_no_alpha(uow, tmp_path_factory):
    drawn = load_catalog(write_player_tree(tmp_path_factory.mktemp("drawn"), {
        f"quizzes/{KEY}.yaml": STATS_EXAM.format(title="Drawn").replace("shuffle: false\n", "shuffle: false\ndraw: 2\n")}))
    for index in range(6):
        take(uow, drawn, f"d{index}@example.com", {"q1": 0, "q2": 1, "q3": True, "q4": 0, "q5": True})
    report = item_analysis.exam_report(uow.session, drawn, KEY)
    assert sum(item.answered for item in report.items) == 12  # two questions in each of six attempts
    assert report.alpha.value is None and "different questions" in report.alpha.note


def test_an_exam_nobody_took(uow, catalog):
    report = item_analysis.exam_report(uow.session, catalog, KEY)
    assert report.versions == () and report.chosen is None and report.items == ()
    assert report.overall == item_analysis.Figures(0, None, None, None)
    with pytest.raises(NotFound):
        item_analysis.exam_report(uow.session, catalog, "py2030/no/such-exam")


def test_attempt_table_filters_sorts_and_labels_versions(uow, catalog, six):
    lowest = attempt_table.attempt_table(uow.session, catalog, KEY,
                                         attempt_table.parse_filter({"sort": "percent", "dir": "asc"}))
    assert [row.email for row in lowest.rows] == ["a6@example.com", "a5@example.com", "a3@example.com",
                                                  "a4@example.com", "a1@example.com", "a2@example.com"]
    failed = attempt_table.attempt_table(uow.session, catalog, KEY, attempt_table.parse_filter({"result": "failed"}))
    assert failed.total == 2 and {row.email for row in failed.rows} == {"a5@example.com", "a6@example.com"}
    found = attempt_table.attempt_table(uow.session, catalog, KEY, attempt_table.parse_filter({"q": "A4@"}))
    assert [row.email for row in found.rows] == ["a4@example.com"]
    assert found.labels[found.rows[0].content_hash] == "Version 1 (current)"
    lines = list(attempt_table.csv_lines(uow.session, catalog, KEY, attempt_table.parse_filter({"sort": "percent"})))
    assert lines[0].startswith("attempt_id,email,name,npn,exam,attempt,version")
    assert [line.split(",")[1] for line in lines[1:3]] == ["a2@example.com", "a1@example.com"]  # ties: newest first
    assert len(lines) == 7 and ",Version 1 (current)," in lines[1]


def test_scoring_writes_one_item_per_question_and_the_migration_backfills_the_same(uow, catalog, six, database):
    columns = (AttemptItem.attempt_id, AttemptItem.question_id, AttemptItem.points, AttemptItem.max_points,
               AttemptItem.picked)
    recorded = sorted(tuple(row) for row in uow.session.execute(select(*columns)))
    assert len(recorded) == 30
    a6 = {row[1]: row for row in recorded if row[0] == six[5].id}
    assert a6["q1"][2:] == (0.0, 1.0, 0b100) and a6["q2"][4] == 0 and a6["q3"][4] == 0b10
    with uow.write() as session:
        session.execute(delete(AttemptItem))
    path = PROJECT_ROOT / "lms" / "migrations" / "versions" / "0009_attempt_items.py"
    spec = importlib.util.spec_from_file_location("attempt_items_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with database.engine.begin() as connection:
        migration.backfill(connection)
    uow.session.expire_all()
    assert sorted(tuple(row) for row in uow.session.execute(select(*columns))) == recorded


def test_version_hash_from_the_address_must_be_real(uow, catalog, six):
    chosen = attempt_table.parse_filter({"version": "not-a-version", "page": "99"})
    table = attempt_table.attempt_table(uow.session, catalog, KEY, chosen)
    assert table.filter.version == "" and table.filter.page == 1 and table.total == 6
