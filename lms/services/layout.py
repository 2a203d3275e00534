"""How one attempt shows its exam: which questions, in which order, with which choice order.

Everything follows from the attempt's stored seed, so reloading the page shows the same attempt.
Form values are opaque tokens derived from the seed, never positions in the content file, so a
page's HTML says nothing about which choice, match or order is right.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass

from lms.content.catalog import Exam, Question

SEED_BITS = 62


def new_seed() -> int:
    return secrets.randbits(SEED_BITS)


@dataclass(frozen=True)
class QuestionLayout:
    question_id: str
    order: tuple[int, ...]  # original indices of choices / right-hand matches / items, as displayed
    tokens: tuple[str, ...]  # token for each original index

    def index_of(self, token: str) -> int | None:
        try:
            return self.tokens.index(token)
        except ValueError:
            return None


@dataclass(frozen=True)
class AttemptLayout:
    questions: tuple[QuestionLayout, ...]

    def of(self, question_id: str) -> QuestionLayout:
        return next(layout for layout in self.questions if layout.question_id == question_id)

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(layout.question_id for layout in self.questions)


def _token(seed: int, question_id: str, index: int) -> str:
    return hashlib.sha256(f"{seed}:{question_id}:{index}".encode()).hexdigest()[:12]


def _option_count(question: Question) -> int:
    if question.type in ("single", "multiple"):
        return len(question.choices)
    if question.type == "matching":
        return len(question.pairs)
    if question.type == "ordering":
        return len(question.items_html)
    return 0


def _shuffled(rng: random.Random, count: int, avoid_identity: bool) -> tuple[int, ...]:
    order = list(range(count))
    rng.shuffle(order)
    if avoid_identity and count > 1 and order == sorted(order):
        order = order[1:] + order[:1]  # never show matches or items already in the right order
    return tuple(order)


def layout_for(exam: Exam, seed: int) -> AttemptLayout:
    rng = random.Random(seed)
    questions = list(exam.questions)
    if exam.draw is not None and exam.draw < len(questions):
        drawn = set(rng.sample(range(len(questions)), exam.draw))
        questions = [question for index, question in enumerate(questions) if index in drawn]
    if exam.shuffle:
        rng.shuffle(questions)
    layouts = []
    for question in questions:
        count = _option_count(question)
        # Matches and items are always mixed up (in file order they would give the answer away);
        # choices only when the exam asks for shuffling.
        if question.type in ("matching", "ordering"):
            order = _shuffled(rng, count, avoid_identity=True)
        elif exam.shuffle:
            order = _shuffled(rng, count, avoid_identity=False)
        else:
            order = tuple(range(count))
        tokens = tuple(_token(seed, question.id, index) for index in range(count))
        layouts.append(QuestionLayout(question.id, order, tokens))
    return AttemptLayout(tuple(layouts))
