"""`lms check`: exit codes, text and JSON output, paths relative to the content root."""

from __future__ import annotations

import json

from click.testing import CliRunner

from lms.cli import main
from tests.support.content_trees import VALID_TREE, write_tree

EXAM = "quizzes/py2030/core/rules.yaml"


def run(*args):
    return CliRunner().invoke(main, ["check", *args])


def test_clean_root_exits_zero(tmp_path):
    result = run(str(write_tree(tmp_path, {})))
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output


def test_error_exits_one_and_prints_relative_place(tmp_path):
    root = write_tree(tmp_path, {EXAM: VALID_TREE[EXAM].replace("pass_percent: 80", "pass_percent: 180")})
    result = run(str(root))
    assert result.exit_code == 1
    assert ("quizzes/py2030/core/rules.yaml:2:15: error: pass_percent must be between 0 and 100 (got 180) "
            "[out-of-range]") in result.output.splitlines()
    assert str(tmp_path) not in result.output


def test_warning_fails_only_with_strict(tmp_path):
    root = write_tree(tmp_path, {"quizzes/py2030/core/spare.yaml": VALID_TREE[EXAM]})
    assert run(str(root)).exit_code == 0
    assert run(str(root), "--strict").exit_code == 1


def test_json_output(tmp_path):
    root = write_tree(tmp_path, {EXAM: VALID_TREE[EXAM].replace("pass_percent: 80", "pass_percent: 180")})
    result = CliRunner().invoke(main, ["check", str(root), "--format", "json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert problems == [{"path": EXAM, "line": 2, "column": 15, "severity": "error", "code": "out-of-range",
                         "message": "pass_percent must be between 0 and 100 (got 180)"}]


def test_missing_root_is_one_clear_line(tmp_path):
    result = run(str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert result.output.strip() == f"lms check: content root {tmp_path / 'nowhere'} does not exist"


def test_root_without_content_folders(tmp_path):
    result = run(str(tmp_path))
    assert result.exit_code == 2
    assert "has neither courses/ nor quizzes/" in result.output
    assert "Traceback" not in result.output


def test_usage_error_exits_two(tmp_path):
    assert run("--format", "xml").exit_code == 2


def test_text_output_shows_the_line_with_a_caret_under_the_column(tmp_path):
    root = write_tree(tmp_path, {EXAM: VALID_TREE[EXAM].replace("pass_percent: 80", "pass_percent: 180")})
    lines = run(str(root)).output.splitlines()
    at = lines.index("quizzes/py2030/core/rules.yaml:2:15: error: pass_percent must be between 0 and 100 "
                     "(got 180) [out-of-range]")
    assert lines[at + 1:at + 3] == ["    pass_percent: 180", "                  ^"]
    assert "    pass_percent: 180" not in run(str(root), "--no-source").output
