"""How one attempt shows its exam: which questions, in which order, with which option order.

Everything follows from the attempt's stored seed, so reloading the page shows the same attempt.
Form values are opaque tokens derived from the seed, never positions in the content file, so a
page's HTML says nothing about which choice, match or order is right.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from lms.content.catalog import Exam
from lms.questions import question_type
from lms.questions.base import QuestionLayout
from lms.questions.draws import Draws
from lms.services.recent import Recent

__all__ = ["SEED_BITS", "AttemptLayout", "QuestionLayout", "layout_for", "new_seed"]

SEED_BITS = 62


def new_seed() -> int:
    return secrets.randbits(SEED_BITS)


@dataclass(frozen=True)
class AttemptLayout:
    questions: tuple[QuestionLayout, ...]

    def of(self, question_id: str) -> QuestionLayout:
        return next(layout for layout in self.questions if layout.question_id == question_id)

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(layout.question_id for layout in self.questions)


def _tokens(seed: int, question_id: str, count: int) -> tuple[str, ...]:
    """The first 12 hex digits of SHA-256("seed:question:index") for each option. Only 6 of the digest's
    bytes are turned into hex: every layout computes these for every option, a submission's included."""
    prefix = f"{seed}:{question_id}:".encode()
    return tuple([hashlib.sha256(prefix + b"%d" % index).digest()[:6].hex() for index in range(count)])


def _draw_by_topic(exam: Exam, rng: Draws) -> set[int]:
    """The positions drawn: each topic's count from that topic's questions, topics in the author's order."""
    pools: dict[str | None, list[int]] = {}
    for index, question in enumerate(exam.questions):
        pools.setdefault(question.topic, []).append(index)
    drawn: set[int] = set()
    for topic, count in exam.topics:
        pool = pools.get(topic, [])
        drawn.update(rng.sample(pool, min(count, len(pool))))
    return drawn


def layout_for(exam: Exam, seed: int) -> AttemptLayout:
    """The attempt's layout; every request of an attempt (page, autosave, submit) asks for it again."""
    # Keyed by what decides a layout: the questions and how they are drawn. The questions are matched by
    # identity as well as by content hash, since an exam copied with other questions keeps its hash.
    key = (exam.content_hash, exam.shuffle, exam.draw, exam.topics, seed)
    found = _LAYOUTS.get(key)
    if found is None or found[0] is not exam.questions:
        found = (exam.questions, _layout(exam, seed))
        _LAYOUTS.put(key, found)
    return found[1]


_LAYOUTS: Recent[tuple, tuple[tuple, AttemptLayout]] = Recent(size=4096)


def _layout(exam: Exam, seed: int) -> AttemptLayout:
    rng = Draws(seed)
    questions = list(exam.questions)
    if exam.topics:
        drawn = _draw_by_topic(exam, rng)
        questions = [question for index, question in enumerate(questions) if index in drawn]
    elif exam.draw is not None and exam.draw < len(questions):
        drawn = set(rng.sample(range(len(questions)), exam.draw))
        questions = [question for index, question in enumerate(questions) if index in drawn]
    if exam.shuffle:
        rng.shuffle(questions)
    layouts = []
    for question in questions:
        kind = question_type(question.type)
        order = kind.arrange(question.data, rng, exam.shuffle)
        layouts.append(QuestionLayout(question.id, order, _tokens(seed, question.id, kind.option_count(question.data))))
    return AttemptLayout(tuple(layouts))
