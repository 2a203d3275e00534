"""A small valid content tree that each test bends into one particular mistake."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lms.content import Catalog, ContentLoader

_TREE: dict[str, str] = {
    "courses/py2030/program.yaml": """\
        title: Plan Year 2030
        plan_year: 2030
        opens: 2029-07-01
        agreements: [general]
        registrations:
          individual: {title: Individual Marketplace, training: marketplace-training, agreements: [general]}
        tracks: [core, extra]
        """,
    "courses/py2030/agreements/general.md": """\
        ---
        title: General Agreement
        version: "2030.1"
        ---
        # Terms

        You agree.
        """,
    "courses/py2030/core/track.yaml": """\
        title: Core training
        audience: new
        required: true
        satisfies: marketplace-training
        modules: [01-intro.md, 02-rules.md]
        """,
    "courses/py2030/core/01-intro.md": """\
        ---
        title: Introduction
        minutes: 5
        ---
        # Welcome

        See [the rules](02-rules.md).
        """,
    "courses/py2030/core/02-rules.md": """\
        ---
        title: Rules
        exam: py2030/core/rules
        ---
        # Rules

        Text.
        """,
    "courses/py2030/extra/track.yaml": """\
        title: Extra
        unlock:
          - registration: individual
        modules: [01-more.md]
        """,
    "courses/py2030/extra/01-more.md": """\
        ---
        title: More
        ---
        More text.
        """,
    "quizzes/py2030/core/rules.yaml": """\
        title: Rules exam
        pass_percent: 80
        questions:
          - id: one
            type: single
            prompt: Pick one
            choices:
              - text: Right
                correct: true
              - {text: Wrong, feedback: Not this one.}
          - id: two
            type: true_false
            prompt: True?
            answer: true
        """,
}


VALID_TREE: dict[str, str] = {path: textwrap.dedent(text) for path, text in _TREE.items()}


def write_tree(root: Path, files: dict[str, str | bytes | None]) -> Path:
    """Write VALID_TREE overlaid with `files` (None deletes a file) under root."""
    merged: dict[str, str | bytes | None] = {**VALID_TREE, **files}
    for relative, text in merged.items():
        if text is None:
            continue
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    return root


def load(root: Path, files: dict[str, str | bytes | None] | None = None) -> Catalog:
    return ContentLoader(write_tree(root, files or {})).load()
