"""A small program for player tests, and helpers that answer its exams right or wrong."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import textwrap
from pathlib import Path

from lms.content import Catalog, load_catalog
from lms.content.catalog import Exam
from lms.services import scoring
from lms.services.layout import AttemptLayout

RULES_EXAM = """\
title: Rules exam
pass_percent: 70
attempts: 3
grading: highest
review:
  after_attempt: marks
  after_pass: explanations
  after_last: marks
shuffle: true
questions:
  - id: pick-one
    see: '#rules'
    type: single
    prompt: Which plan metal level is needed for cost-sharing reductions?
    explanation: Only **silver** plans carry cost-sharing reductions.
    choices:
      - text: Silver
        correct: true
        feedback: Right, silver.
      - text: Bronze
        feedback: Bronze plans have no cost-sharing reductions.
      - text: Gold
        feedback: Gold plans have no cost-sharing reductions either.
  - id: pick-many
    type: multiple
    partial: true
    prompt: Which of these are qualifying life events?
    explanation: Moves and births qualify; a birthday does not.
    choices:
      - text: Moving to a new county
        correct: true
      - text: Having a baby
        correct: true
      - text: A birthday
        feedback: A birthday is not a qualifying life event.
  - id: yes-no
    see: 01-intro.md#welcome
    type: true_false
    prompt: Agents must use their own NPN.
    answer: true
    explanation: Always your own NPN.
  - id: days
    type: numeric
    prompt: How many days does a typical SEP last?
    answer: 60
    unit: days
    explanation: Sixty days from the event.
  - id: match
    type: matching
    prompt: Match each term to its meaning.
    explanation: Terms and meanings.
    pairs:
      - {left: APTC, right: Advance premium tax credit}
      - {left: CSR, right: Cost-sharing reduction}
      - {left: SEP, right: Special Enrollment Period}
  - id: order
    type: ordering
    prompt: Put the registration steps in order.
    explanation: Profile, training, agreements.
    items: [Complete your profile, Finish the training, Accept the agreements]
"""

PLAYER_TREE: dict[str, str] = {
    "courses/py2030/program.yaml": """\
        title: Plan Year 2030 Registration
        plan_year: 2030
        opens: 2029-07-01
        previous: py2029
        agreements: [general, shop]
        registrations:
          individual: {title: Individual Marketplace, training: marketplace-training, agreements: [general]}
          shop: {title: SHOP, agreements: [shop]}
        tracks: [core, returning, extra, shop, hod]
        """,
    "courses/py2030/agreements/general.md": "---\ntitle: General Agreement\nversion: \"1\"\n---\nTerms.\n",
    "courses/py2030/agreements/shop.md": "---\ntitle: SHOP Agreement\nversion: \"1\"\n---\nSHOP terms.\n",
    "courses/py2030/core/track.yaml": """\
        title: Core Marketplace Training
        audience: new
        required: true
        satisfies: marketplace-training
        modules: [01-intro.md, 02-rules.md]
        """,
    "courses/py2030/core/01-intro.md": "---\ntitle: Introduction\nminutes: 5\n---\n# Welcome\n\nThe intro text.\n",
    "courses/py2030/core/02-rules.md": "---\ntitle: The Rules\nexam: py2030/core/rules\n---\n# Rules\n\nRules text.\n",
    "courses/py2030/returning/track.yaml": """\
        title: Refresher
        audience: returning
        satisfies: marketplace-training
        modules: [01-refresh.md]
        """,
    "courses/py2030/returning/01-refresh.md": "---\ntitle: Refresh\nexam: py2030/returning/refresh\n---\nText.\n",
    "courses/py2030/extra/track.yaml": "title: Extra\nunlock:\n  - completed: core\nmodules: [01-more.md]\n",
    "courses/py2030/extra/01-more.md": "---\ntitle: More\n---\nMore.\n",
    "courses/py2030/shop/track.yaml": ("title: SHOP\nunlock:\n  - accepted: shop\n"
                                       "modules: [01-shop.md]\n"),
    "courses/py2030/shop/01-shop.md": "---\ntitle: Shop\n---\nShop.\n",
    "courses/py2030/hod/track.yaml": ("title: Help On Demand Training\nsatisfies: help-on-demand-training\n"
                                      "unlock:\n  - registration: individual\nmodules: [01-referrals.md]\n"),
    "courses/py2030/hod/01-referrals.md": "---\ntitle: Taking referrals\n---\nAccept referrals quickly.\n",
    "quizzes/py2030/core/rules.yaml": RULES_EXAM,
    "quizzes/py2030/returning/refresh.yaml": """\
        title: Refresh exam
        pass_percent: 100
        attempts: 2
        time_limit_minutes: 10
        review: never
        questions:
          - id: only
            type: single
            prompt: Pick the right one
            explanation: The secret explanation.
            choices:
              - {text: Right one, correct: true}
              - {text: Wrong one, feedback: Not this one.}
        """,
}


def write_player_tree(root: Path, overrides: dict[str, str | None] | None = None) -> Path:
    files = {**PLAYER_TREE, **(overrides or {})}
    for relative, text in files.items():
        if text is None:
            continue
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@functools.lru_cache(maxsize=1)
def player_catalog() -> Catalog:
    """The player program, written once per test run and loaded (it must load without problems)."""
    root = Path(tempfile.mkdtemp(prefix="player-content-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    catalog = load_catalog(write_player_tree(root))
    assert not catalog.problems, [problem.format() for problem in catalog.problems]
    return catalog


def answer_values(exam: Exam, layout: AttemptLayout, right: bool = True) -> dict[str, list[str]]:
    """Form values that answer every question of an attempt right (or every one wrong)."""
    return scoring.form_for(exam, layout, right)


def getter(values: dict[str, list[str]]):
    return lambda name: values.get(name, [])
