"""The `cloze` question type, end to end: authoring checks, layout, reading, scoring, the page and review."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from lms.questions.cloze import ClozeData
from lms.services.layout import layout_for
from lms.services.scoring import form_for, read_answer, score_question
from tests.support.apps import make_app
from tests.support.content_trees import load, write_tree
from tests.support.web import csrf_token, sign_up

EXAM = "quizzes/py2030/core/rules.yaml"
CLOZE = """\
title: Rules exam
pass_percent: 80
review: always
questions:
  - id: gaps
    type: cloze
    partial: {partial}
    points: 2
    prompt: Complete the sentence.
    text: "Most SEPs last [[60|30|90]] days, and a *move* needs prior [[coverage|income]]."
"""


def cloze_exam(tmp_path, partial="true", text=None):
    source = CLOZE.format(partial=partial)
    if text is not None:
        source = source.replace(source.split("text: ", 1)[1], text + "\n")
    return load(tmp_path, {EXAM: source})


def test_a_cloze_question_is_built_with_its_blanks_in_place(tmp_path):
    catalog = cloze_exam(tmp_path)
    assert catalog.problems == ()
    question = catalog.exams["py2030/core/rules"].questions[0]
    data: ClozeData = question.data
    assert data.gaps_html == (("60", "30", "90"), ("coverage", "income"))
    assert data.segments_html[0] == "<p>Most SEPs last "
    assert data.segments_html[1] == " days, and a <em>move</em> needs prior "
    assert data.offsets == (0, 3)


@pytest.mark.parametrize(("text", "code", "words"), [
    ('"No blanks at all."', "too-few", "at least one blank"),
    ('"Only one choice: [[60]] days."', "too-few", "blank 1 needs at least 2 choices"),
    ('"Empty: [[60||30]] days."', "empty-value", "blank 1 has an empty choice"),
    ('"Twice: [[60|60]] days."', "duplicate-item", "blank 1 lists the same choice twice"),
    ('"Open [[60|30 days."', "invalid-value", "not closed"),
    ('"In a link: [see [[a|b]]](https://example.com/[[c|d]])"', "invalid-value", "not inside a link"),
])
def test_lms_check_reports_bad_blanks_at_the_text(tmp_path, text, code, words):
    catalog = cloze_exam(tmp_path, text=text)
    problems = [(p.line, p.code, p.message) for p in catalog.problems]
    assert any(line == 10 and found == code and words in message for line, found, message in problems), problems


def test_each_blank_is_shuffled_on_its_own_and_uniformly(tmp_path):
    exam = cloze_exam(tmp_path).exams["py2030/core/rules"]
    orders = Counter(layout_for(exam, seed).questions[0].order for seed in range(1200))
    assert all(sorted(order[:3]) == [0, 1, 2] and sorted(order[3:]) == [3, 4] for order in orders)
    first_shown = Counter(order[0] for order in orders.elements())
    assert all(330 < first_shown[i] < 470 for i in range(3)), first_shown  # the right one first a third of the time


@pytest.mark.parametrize(("partial", "right", "points"), [("true", 2, 2), ("true", 1, 1), ("true", 0, 0),
                                                          ("false", 2, 2), ("false", 1, 0)])
def test_scoring_per_blank(tmp_path, partial, right, points):
    exam = cloze_exam(tmp_path, partial).exams["py2030/core/rules"]
    question = exam.questions[0]
    answer = {"0": 0 if right >= 1 else 2, "1": 0 if right == 2 else 1}
    assert score_question(question, answer) == points


def test_answers_are_read_from_the_blanks_own_tokens(tmp_path):
    exam = cloze_exam(tmp_path).exams["py2030/core/rules"]
    question, layout = exam.questions[0], layout_for(exam, 7)
    qlayout = layout.questions[0]
    values = {"q-gaps-0": [qlayout.tokens[1]], "q-gaps-1": [qlayout.tokens[0]]}  # blank 2 given blank 1's token
    assert read_answer(question, qlayout, lambda name: values.get(name, [])) == {"0": 1}
    right = form_for(exam, layout, right=True)
    assert read_answer(question, qlayout, lambda name: right.get(name, [])) == {"0": 0, "1": 0}


def test_the_attempt_page_and_the_review(tmp_path, monkeypatch, sqlite_url):
    root = write_tree(tmp_path / "content", {EXAM: CLOZE.format(partial="true")})
    app = make_app(tmp_path, monkeypatch, sqlite_url, CONTENT_ROOT=str(root), TODAY="2029-09-01")
    client = app.test_client()
    sign_up(client)
    token = csrf_token(client, "/exams/py2030/core/rules")
    attempt_url = client.post("/exams/py2030/core/rules/start", data={"csrf_token": token}).headers["Location"]
    page = client.get(attempt_url).get_data(as_text=True)
    assert page.count("<select") == 2 and 'aria-label="Blank 1 of 2"' in page and 'aria-label="Blank 2 of 2"' in page
    assert "<p>Most SEPs last" in page and "<em>move</em>" in page
    options = re.findall(r'<option value="([0-9a-f]{12})"', page)
    assert len(options) == 5
    catalog = app.extensions["lms.catalog"].catalog
    exam = catalog.exams["py2030/core/rules"]
    with app.extensions["lms.db"].reading() as session:
        from lms.models import Attempt

        seed = session.query(Attempt).one().seed
    answers = form_for(exam, layout_for(exam, seed), right=True)
    result = client.post(attempt_url + "/submit", data={**answers, "csrf_token": token}, follow_redirects=True)
    assert "100" in result.get_data(as_text=True)
    review = client.get(attempt_url + "/review").get_data(as_text=True)
    assert "Blank 1" in review and "Blank 2" in review and "coverage" in review
    app.extensions["lms.db"].dispose()
