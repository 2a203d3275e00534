"""Demo agents answering exams: better agents answer more questions right, some questions are harder.

Each question gets a difficulty and each agent an ability (both on one scale); the chance of a
right answer is a logistic curve of their difference, as in item response theory. So item
analysis shows what a real cohort shows: facilities that differ, discrimination that is positive,
a few questions flagged as too easy or too hard. Answers go through the question types' own form
handling (`form_values`, then `read`) and the exam engine's scorer, as a submitted form would.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from lms.content.catalog import Exam, Question
from lms.questions import question_type
from lms.services import exams, scoring
from lms.services.layout import SEED_BITS, AttemptLayout, layout_for

# A right answer wrongly kept blank now and then: the attempt page lets agents submit with gaps.
BLANK_SHARE = 0.03
SLOPE = 1.7  # the logistic curve's steepness (1.7 makes it close to the normal ogive)


def difficulties(exam: Exam, seed: int) -> dict[str, float]:
    """Each question's difficulty, fixed by the seed: mostly easy, one in eight hard, one in ten trivial."""
    found = {}
    for question in exam.questions:
        rng = random.Random(f"{seed}:difficulty:{exam.key}:{question.id}")
        roll = rng.random()
        found[question.id] = (rng.uniform(0.5, 1.5) if roll < 0.12 else rng.uniform(-4.5, -3.5) if roll < 0.22
                              else rng.gauss(-2.0, 0.6))
    return found


@dataclass(frozen=True)
class Answered:
    seed: int
    layout: AttemptLayout
    answers: dict[str, Any]
    score: exams.Score


def answer(exam: Exam, difficulty: dict[str, float], ability: float, rng: random.Random,
           outcome: bool | None = None) -> Answered:
    """One attempt at the exam by an agent of this ability; `outcome` forces a pass (True) or a fail (False)
    by turning wrong answers right (or right answers wrong), one at a time, until it holds."""
    seed = rng.getrandbits(SEED_BITS)
    layout = layout_for(exam, seed)
    questions = exam.questions_by_id
    right = {qid: rng.random() < 1 / (1 + math.exp(-SLOPE * (ability - difficulty[qid])))
             for qid in layout.question_ids}
    blank = {qid for qid in layout.question_ids if not right[qid] and rng.random() < BLANK_SHARE}
    picks = {qid: rng.random() for qid in layout.question_ids}  # which wrong answer, fixed per question

    def attempt() -> Answered:
        values: dict[str, list[str]] = {}
        for qid in layout.question_ids:
            if qid not in blank or right[qid]:
                values.update(_form(questions[qid], layout, right[qid], picks[qid]))
        answers = exams.read_answers(exam, layout, lambda name: values.get(name, []))
        return Answered(seed, layout, answers, exams.score_answers(exam, layout, answers))

    done = attempt()
    if outcome is None or done.score.passed == outcome:
        return done
    order = list(layout.question_ids)
    rng.shuffle(order)
    for qid in order:
        if right[qid] != outcome:
            right[qid] = outcome
            done = attempt()
            if done.score.passed == outcome:
                return done
    return done


def _form(question: Question, layout: AttemptLayout, right: bool, pick: float) -> dict[str, list[str]]:
    """The form fields answering one question right, or wrong in one of the ways agents get it wrong."""
    kind = question_type(question.type)
    qlayout = layout.of(question.id)
    name = scoring.field_name(question)
    if right or question.type not in ("single", "multiple"):
        return kind.form_values(question.data, qlayout, name, right)
    choices = question.data.choices
    wrong = [index for index, choice in enumerate(choices) if not choice.correct]
    correct = [index for index, choice in enumerate(choices) if choice.correct]
    if question.type == "single" or len(correct) < 2 or not wrong:
        chosen = [wrong[int(pick * len(wrong))]] if wrong else correct[:1]
    else:  # a multiple choice half known: one right option missed, and sometimes a wrong one ticked
        chosen = correct[:]
        chosen.pop(int(pick * len(correct)))
        if pick < 0.5:
            chosen.append(wrong[int(pick * 2 * len(wrong))])
    return {name: [qlayout.tokens[index] for index in chosen]}
