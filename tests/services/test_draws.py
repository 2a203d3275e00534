"""An attempt's layout is remade from its seed for as long as the attempt is kept: the draws behind it
must be the ones every earlier layout was made with, whatever Python release runs them."""

from __future__ import annotations

import dataclasses
import random
import sys

import pytest

from lms.questions.draws import Draws
from lms.services.layout import layout_for
from tests.support.player_tree import player_catalog

SEED = 1_234_567_890_123_456_789


@pytest.mark.skipif(sys.version_info[:2] != (3, 11),
                    reason="Draws copies Python 3.11's shuffle and sample, which later releases may change")
def test_shuffle_and_sample_draw_what_python_3_11s_random_draws():
    for seed in range(300):
        for size in range(0, 41, 3):
            ours, theirs = list(range(size)), list(range(size))
            Draws(seed).shuffle(ours)
            random.Random(seed).shuffle(theirs)
            assert ours == theirs, (seed, size)
        # Small populations take the pool branch, large ones (n past 21 + 4^ceil(log4(3k))) the set branch.
        for n, k in ((1, 1), (5, 0), (5, 5), (14, 3), (21, 2), (22, 2), (40, 4), (60, 20), (90, 6), (500, 30)):
            assert Draws(seed).sample(range(n), k) == random.Random(seed).sample(range(n), k), (seed, n, k)
    # The generator itself is untouched: what follows a draw is what would have followed it.
    ours, theirs = Draws(7), random.Random(7)
    ours.shuffle(list(range(9)))
    theirs.shuffle(list(range(9)))
    assert ours.getrandbits(64) == theirs.getrandbits(64)


def test_sample_refuses_what_no_layout_asks_for():
    with pytest.raises(ValueError, match="larger than population"):
        Draws(1).sample(range(3), 4)
    with pytest.raises(TypeError, match="counts"):
        Draws(1).sample(range(3), 2, counts=[1, 1, 1])


def test_layouts_are_the_ones_earlier_releases_made():
    """Written out when every layout came from `random.Random`: questions drawn, their order, and each
    question's option order for one seed, shuffled, drawn from the pool and drawn by topic."""
    rules = player_catalog().exams["py2030/core/rules"]
    by_topic = dataclasses.replace(
        rules, questions=tuple(dataclasses.replace(q, topic="first" if i < 2 else "second")
                               for i, q in enumerate(rules.questions)),
        topics=(("first", 1), ("second", 2)), content_hash="b" * 64)
    drawn = dataclasses.replace(rules, draw=3, content_hash="c" * 64)

    def shown(exam):
        return [(question.question_id, question.order) for question in layout_for(exam, SEED).questions]

    assert shown(rules) == [("order", (2, 0, 1)), ("days", ()), ("yes-no", ()), ("pick-one", (0, 2, 1)),
                            ("match", (2, 0, 1)), ("pick-many", (0, 2, 1))]
    assert shown(by_topic) == [("match", (2, 0, 1)), ("yes-no", ()), ("pick-one", (0, 2, 1))]
    assert shown(drawn) == [("pick-many", (0, 1, 2)), ("pick-one", (2, 0, 1)), ("match", (0, 2, 1))]
