"""Whatever an author types, loading reports problems; it never raises."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.content import ContentLoader
from tests.support.content_trees import VALID_TREE, write_tree

TARGETS = {
    "exam": "quizzes/py2030/core/rules.yaml",
    "program": "courses/py2030/program.yaml",
    "track": "courses/py2030/core/track.yaml",
    "module": "courses/py2030/core/01-intro.md",
    "agreement": "courses/py2030/agreements/general.md",
}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.text(max_size=20),
    st.dates(), st.sampled_from(["single", "multiple", "numeric", "complete", "highest", "py2030/core/rules"]),
)
keys = st.one_of(
    st.sampled_from(["title", "questions", "type", "id", "choices", "correct", "answer", "pairs", "items",
                     "modules", "unlock", "tracks", "registration", "training", "exam", "draw", "version",
                     "pass_percent", "completed", "accepted", "satisfied", "agreements", "plan_year", "opens"]),
    st.text(max_size=8),
)
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=6)), max_leaves=25)

_ROOT = Path(tempfile.mkdtemp(prefix="lms-fuzz-"))
_LOADER = ContentLoader(_ROOT)
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load_with(path: str, text: str | bytes) -> None:
    write_tree(_ROOT, {path: text})
    try:
        catalog = _LOADER.load()
    finally:
        write_tree(_ROOT, {path: VALID_TREE[path]})
    for problem in catalog.problems:
        assert problem.line >= 1 and problem.column >= 1
        assert problem.severity in ("error", "warning")


def _as_file(kind: str, document) -> str:
    dumped = yaml.safe_dump(document, allow_unicode=True)
    return f"---\n{dumped}---\nBody\n" if kind in ("module", "agreement") else dumped


@FUZZ
@given(st.sampled_from(sorted(TARGETS)), documents)
def test_arbitrary_yaml_structures_are_reported_not_raised(kind, document):
    _load_with(TARGETS[kind], _as_file(kind, document))


def _mutated(value, data, rate: int):
    """The valid document with some of its parts swapped for arbitrary values."""
    if data.draw(st.integers(0, rate)) == 0:
        return data.draw(documents)
    if isinstance(value, dict):
        return {key: _mutated(item, data, rate) for key, item in value.items()}
    if isinstance(value, list):
        return [_mutated(item, data, rate) for item in value]
    return value


@pytest.mark.parametrize("kind", sorted(TARGETS))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_valid_files_with_arbitrary_parts_are_reported_not_raised(kind, data):
    rate = data.draw(st.integers(2, 12))
    path = TARGETS[kind]
    text = VALID_TREE[path]
    if kind in ("module", "agreement"):
        front, body = text.split("---\n")[1], text.split("---\n", 2)[2]
        document = _mutated(yaml.safe_load(front), data, rate)
        _load_with(path, f"---\n{yaml.safe_dump(document)}---\n{body}")
    else:
        _load_with(path, yaml.safe_dump(_mutated(yaml.safe_load(text), data, rate)))


@FUZZ
@given(st.sampled_from(sorted(TARGETS)), st.text(max_size=300))
def test_arbitrary_text_is_reported_not_raised(kind, text):
    body = f"---\n{text}\n---\n{text}\n" if kind in ("module", "agreement") else text
    _load_with(TARGETS[kind], body)


@FUZZ
@given(st.sampled_from(sorted(TARGETS)), st.data())
def test_damaged_valid_files_are_reported_not_raised(kind, data):
    original = VALID_TREE[TARGETS[kind]]
    position = data.draw(st.integers(0, len(original)))
    cut = data.draw(st.integers(0, 20))
    insert = data.draw(st.text(alphabet=":-[]{}#&*!|>'\"%@` \n\t\\x0123", max_size=6))
    _load_with(TARGETS[kind], original[:position] + insert + original[position + cut:])


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes_are_reported_not_raised(data):
    _load_with(TARGETS["exam"], data)
