"""`lms check` reports every problem of a file in one run, not one layer per run."""

from __future__ import annotations

from pathlib import Path

from tests.support.content_trees import VALID_TREE, load

FIXTURES = Path(__file__).parent / "fixtures"
EXAM = "quizzes/py2030/core/rules.yaml"
TRACK = "courses/py2030/core/track.yaml"


def found(catalog, path):
    return [(p.line, p.column, p.code) for p in catalog.problems if p.path == path]


def test_an_exam_with_wrong_settings_still_has_every_question_checked(tmp_path):
    catalog = load(tmp_path, {EXAM: (FIXTURES / "exam_with_many_errors.yaml").read_text()})
    problems = found(catalog, EXAM)
    assert problems == [
        (1, 1, "missing-key"),         # pass_percent is missing...
        (2, 1, "unknown-key"),         # ... because it is spelled pass_percnt
        (3, 11, "invalid-type"),       # attempts: three
        (4, 7, "draw-too-large"),      # draw 9 from a pool of 5
        (9, 5, "correct-count"),       # the single-choice question has no right choice
        (12, 5, "missing-key"),        # the numeric question has no answer
        (15, 9, "duplicate-id"),       # no-right-choice used twice
        (22, 5, "too-few"),            # matching with two pairs
        (28, 5, "too-few"),            # ordering with two items
    ], problems
    messages = {p.code: p.message for p in catalog.problems if p.path == EXAM}
    assert "did you mean 'pass_percent'" in messages["unknown-key"]
    assert "pairs needs at least 3 items" in [p.message for p in catalog.problems if p.line == 22][0]
    assert EXAM.split("/", 1)[1][:-5] not in catalog.exams  # too broken to serve


def test_a_track_with_a_broken_key_still_has_its_module_list_checked(tmp_path):
    catalog = load(tmp_path, {TRACK: (FIXTURES / "track_with_many_errors.yaml").read_text()})
    problems = found(catalog, TRACK)
    assert [code for _, _, code in problems] == ["invalid-value", "invalid-type", "missing-file", "duplicate-item"]
    assert [line for line, _, _ in problems] == [2, 3, 5, 5]
    assert "py2030/core" not in catalog.tracks


def test_a_cross_field_rule_is_not_guessed_from_a_value_that_is_itself_wrong(tmp_path):
    program = VALID_TREE["courses/py2030/program.yaml"].replace("agreements: [general]\nregistration",
                                                                 "agreements: general\nregistration")
    catalog = load(tmp_path, {"courses/py2030/program.yaml": program})
    codes = [p.code for p in catalog.problems if p.path == "courses/py2030/program.yaml"]
    assert codes == ["invalid-type"]  # not also "registration names an agreement the program does not list"
