"""Scoring every question type, including partial credit and numeric tolerance."""

from __future__ import annotations

import pytest

from lms.content.catalog import Question
from lms.questions.choices import Choice
from lms.questions.matching import MatchingData, Pair
from lms.questions.multiple import MultipleData
from lms.questions.numeric import NumericData
from lms.questions.ordering import OrderingData
from lms.questions.single import SingleData
from lms.questions.true_false import TrueFalseData
from lms.services.layout import QuestionLayout
from lms.services.scoring import read_answer, score_question

DATA = {"single": SingleData, "multiple": MultipleData, "true_false": TrueFalseData, "numeric": NumericData,
        "matching": MatchingData, "ordering": OrderingData}
DEFAULTS = {"multiple": {"partial": False}, "numeric": {"tolerance": 0.0, "unit": None}}


def choices(*correct: bool) -> tuple[Choice, ...]:
    return tuple(Choice(f"<p>choice {i}</p>", flag, "") for i, flag in enumerate(correct))


def question(kind: str, points: float = 2, **fields) -> Question:
    data = DATA[kind](**{**DEFAULTS.get(kind, {}), **fields})
    return Question(id="q", type=kind, prompt_html="<p>?</p>", points=points, explanation_html="", data=data)


@pytest.mark.parametrize(("answer", "points"), [(1, 2), (0, 0), (None, 0), (9, 0), ("1", 0)])
def test_single(answer, points):
    assert score_question(question("single", choices=choices(False, True, False)), answer) == points


@pytest.mark.parametrize(("answer", "points"), [([0, 2], 3), ([0], 0), ([0, 1, 2], 0), ([], 0), (None, 0)])
def test_multiple_all_or_nothing(answer, points):
    assert score_question(question("multiple", points=3, choices=choices(True, False, True)), answer) == points


@pytest.mark.parametrize(("answer", "points"), [
    ([0, 2, 3], 3),      # every correct choice
    ([0, 2], 2),         # two of three correct
    ([0], 1),            # one of three
    ([0, 1], 0),         # one right, one wrong cancel out
    ([0, 2, 3, 1], 2),   # all right plus one wrong: 3 - 1 = 2 shares
    ([1, 4], 0),         # only wrong picks never go below zero
])
def test_multiple_partial_credit(answer, points):
    q = question("multiple", points=3, partial=True, choices=choices(True, False, True, True, False))
    assert score_question(q, answer) == points


@pytest.mark.parametrize(("answer", "points"), [(True, 2), (False, 0), (None, 0), ("true", 0)])
def test_true_false(answer, points):
    assert score_question(question("true_false", answer=True), answer) == points


@pytest.mark.parametrize(("answer", "tolerance", "points"), [
    ("60", 0, 2), ("60.0", 0, 2), ("59", 0, 0), ("59", 1, 2), ("61.5", 1, 0), ("1,200", 0, 0),
    ("60 days", 0, 2), ("$60", 0, 2), ("sixty", 0, 0), ("", 0, 0), (None, 0, 0), ("nan", 0, 0), ("inf", 5, 0),
])
def test_numeric_with_tolerance(answer, tolerance, points):
    assert score_question(question("numeric", answer=60.0, tolerance=tolerance), answer) == points


def test_numeric_reads_thousands_separators():
    assert score_question(question("numeric", answer=1200.0), "1,200") == 2


PAIRS = (Pair("a", "1"), Pair("b", "2"), Pair("c", "3"))


@pytest.mark.parametrize(("answer", "points"), [
    ({"0": 0, "1": 1, "2": 2}, 2), ({"0": 1, "1": 0, "2": 2}, 0), ({"0": 0, "1": 1}, 0), ({}, 0), (None, 0)])
def test_matching_is_all_or_nothing(answer, points):
    assert score_question(question("matching", pairs=PAIRS), answer) == points


@pytest.mark.parametrize(("answer", "points"), [
    ({"0": 1, "1": 2, "2": 3}, 2), ({"0": 2, "1": 1, "2": 3}, 0), ({"0": 1, "1": 1, "2": 1}, 0), ({}, 0)])
def test_ordering_is_all_or_nothing(answer, points):
    assert score_question(question("ordering", items_html=("x", "y", "z")), answer) == points


@pytest.mark.parametrize(("answer", "points"), [
    ({"0": 0, "1": 1, "2": 2}, 3), ({"0": 1, "1": 0, "2": 2}, 1), ({"0": 0}, 1), ({}, 0), (None, 0)])
def test_matching_partial_credit_is_per_pair(answer, points):
    assert score_question(question("matching", points=3, pairs=PAIRS, partial=True), answer) == points


ITEMS = ("a", "b", "c", "d", "e")


@pytest.mark.parametrize(("order", "points"), [
    ("abcde", 4),   # the key: every neighbour pair in place
    ("bacde", 2),   # the first two swapped: a-b and b-c broken, c-d and d-e kept
    ("eabcd", 3),   # the last moved to the front: a-b, b-c, c-d still together
    ("abced", 2),   # the last two swapped: a-b, b-c right
    ("edcba", 0),   # reversed: no pair follows the key
])
def test_ordering_partial_credit_counts_neighbour_pairs(order, points):
    answer = {str(ITEMS.index(item)): position for position, item in enumerate(order, start=1)}
    assert score_question(question("ordering", points=4, items_html=ITEMS, partial=True), answer) == points


def test_answers_are_read_from_opaque_tokens():
    layout = QuestionLayout("q", (2, 0, 1), ("tok-a", "tok-b", "tok-c"))
    values = {"q-q": ["tok-c"], "q-q-0": ["tok-b"], "q-q-tok-a": ["3"]}
    get = lambda name: values.get(name, [])  # noqa: E731
    assert read_answer(question("single", choices=choices(False, False, True)), layout, get) == 2
    assert read_answer(question("multiple", choices=choices(False, False, True)), layout, get) == [2]
    assert read_answer(question("matching", pairs=PAIRS), layout, get) == {"0": 1}
    assert read_answer(question("ordering", items_html=("x", "y", "z")), layout, get) == {"0": 3}
    assert read_answer(question("single", choices=choices(True, False, False)), layout,
                       lambda name: ["0"]) is None  # a raw position is not a token
