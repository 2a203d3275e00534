"""Each class of content mistake is reported with its exact file, line and column."""

from __future__ import annotations

import pytest

from tests.support.content_trees import VALID_TREE, load

EXAM = "quizzes/py2030/core/rules.yaml"
TRACK = "courses/py2030/core/track.yaml"
PROGRAM = "courses/py2030/program.yaml"
MODULE = "courses/py2030/core/01-intro.md"
RULES = "courses/py2030/core/02-rules.md"
EXTRA = "courses/py2030/extra/track.yaml"


def exam_with(questions: str, settings: str = "pass_percent: 80") -> str:
    return f"title: Rules exam\n{settings}\nquestions:\n{questions}"


SINGLE_NO_CORRECT = """\
  - id: one
    type: single
    prompt: Pick one
    choices:
      - text: A
      - text: B
"""

TRUE_FALSE_ALL_FALSE = "".join(f"  - id: tf{n}\n    type: true_false\n    prompt: Claim {n}?\n    answer: false\n"
                               for n in range(3))
LONGEST_ALWAYS_RIGHT = "".join(f"""\
  - id: s{n}
    type: single
    prompt: Question {n}?
    choices:
      - {{text: Never, feedback: Not so.}}
      - {{text: Yes it is, correct: true}}
""" for n in range(3))
GIVEAWAY = """\
  - id: one
    type: single
    prompt: Pick one
    choices:
      - {text: Never, feedback: Not so.}
      - {text: The one answer that is plainly longer, correct: true}
"""
NO_FEEDBACK = """\
  - id: one
    type: single
    prompt: Pick one
    choices:
      - {text: Right, correct: true}
      - {text: Wrong}
"""
ORDER_BY_DATE = """\
  - id: timeline
    type: ordering
    prompt: Put these in order.
    items:
      - Open Enrollment starts on November 1, 2021
      - Open Enrollment ends on January 15, 2022
      - Coverage starts on February 1, 2022
"""
NEAR_DUPLICATES = """\
  - id: first
    type: true_false
    prompt: An agent may enroll a consumer without their consent.
    answer: false
  - id: second
    type: true_false
    prompt: An agent may enrol a consumer without their consent!
    answer: false
"""
ANSWER_QUOTED = """\
  - id: form
    type: single
    prompt: Which reconciles the credit, Form 8962 Premium Tax Credit or Form 1095-A Marketplace Statement?
    choices:
      - {text: Form 8962 Premium Tax Credit, correct: true}
      - {text: Form 1095-A Marketplace Statement, feedback: That one reports the coverage.}
"""

TOPIC_EXAM = (VALID_TREE[EXAM].replace("pass_percent: 80", "pass_percent: 80\ntopics: {basics: 1, extra: 1}")
              .replace("id: one\n", "id: one\n    topic: basics\n").replace("id: two\n", "id: two\n    topic: extra\n"))

# (id, files to change, expected path, line, column, severity, code, text in message)
CASES = [
    ("yaml syntax", {EXAM: "title: [unclosed\npass_percent: 80\n"}, EXAM, 2, 13, "error", "yaml-syntax", "invalid YAML"),
    ("yaml duplicate key", {EXAM: VALID_TREE[EXAM].replace("pass_percent: 80", "pass_percent: 80\ntitle: Again")},
     EXAM, 3, 1, "error", "duplicate-key", "'title' appears more than once"),
    ("unknown key with hint", {EXAM: VALID_TREE[EXAM].replace("pass_percent", "pass_percnt")},
     EXAM, 2, 1, "error", "unknown-key", "did you mean 'pass_percent'?"),
    ("wrong type", {EXAM: VALID_TREE[EXAM].replace("pass_percent: 80", "pass_percent: eighty")},
     EXAM, 2, 15, "error", "invalid-type", "pass_percent must be a number"),
    ("out of range", {EXAM: VALID_TREE[EXAM].replace("pass_percent: 80", "pass_percent: 180")},
     EXAM, 2, 15, "error", "out-of-range", "pass_percent must be between 0 and 100 (got 180)"),
    ("literal with hint", {EXAM: VALID_TREE[EXAM].replace("pass_percent: 80", "pass_percent: 80\ngrading: highst")},
     EXAM, 3, 10, "error", "invalid-value", "did you mean 'highest'?"),
    ("missing key", {EXAM: VALID_TREE[EXAM].replace("title: Rules exam\n", "")},
     EXAM, 1, 1, "error", "missing-key", "missing required key 'title'"),
    ("empty exam", {EXAM: ""}, EXAM, 1, 1, "error", "invalid-type", "empty document"),
    ("track lists missing file", {TRACK: VALID_TREE[TRACK].replace("02-rules.md]", "02-rules.md, 03-gone.md]")},
     TRACK, 5, 37, "error", "missing-file", "'03-gone.md' does not exist"),
    ("module no track lists", {"courses/py2030/core/03-orphan.md": "---\ntitle: Orphan\n---\nText\n"},
     "courses/py2030/core/03-orphan.md", 1, 1, "warning", "unlisted-module", "not listed"),
    ("exam reference resolves to nothing", {RULES: VALID_TREE[RULES].replace("py2030/core/rules", "py2030/core/rulez")},
     RULES, 3, 7, "error", "unknown-exam", "did you mean 'py2030/core/rules'?"),
    ("duplicate question id", {EXAM: VALID_TREE[EXAM].replace("id: two", "id: one")},
     EXAM, 11, 9, "error", "duplicate-id", "'one' is used more than once"),
    ("single with no correct choice", {EXAM: exam_with(SINGLE_NO_CORRECT)},
     EXAM, 7, 5, "error", "correct-count", "exactly one correct choice (found 0)"),
    ("single with two correct choices",
     {EXAM: exam_with(SINGLE_NO_CORRECT.replace("- text: A", "- text: A\n        correct: true")
                      .replace("- text: B", "- text: B\n        correct: true"))},
     EXAM, 7, 5, "error", "correct-count", "(found 2)"),
    ("multiple with none correct", {EXAM: exam_with(SINGLE_NO_CORRECT.replace("single", "multiple"))},
     EXAM, 7, 5, "error", "correct-count", "at least one correct choice"),
    ("numeric without answer", {EXAM: exam_with("  - id: n\n    type: numeric\n    prompt: How many days?\n")},
     EXAM, 4, 5, "error", "missing-key", "missing required key 'answer'"),
    ("draw larger than pool", {EXAM: VALID_TREE[EXAM].replace("pass_percent: 80", "pass_percent: 80\ndraw: 5")},
     EXAM, 3, 7, "error", "draw-too-large", "draw asks for 5 questions but the pool has only 2"),
    ("topic not listed under topics", {EXAM: TOPIC_EXAM.replace("topic: extra", "topic: extar")},
     EXAM, 14, 12, "error", "unknown-topic", "topic 'extar' is not listed under the exam's 'topics' (did you mean 'extra'?)"),
    ("question without a topic in an exam that draws by topic", {EXAM: TOPIC_EXAM.replace("    topic: extra\n", "")},
     EXAM, 13, 5, "error", "missing-topic", "question 'two' has no 'topic'"),
    ("topic draws more than it has", {EXAM: TOPIC_EXAM.replace("extra: 1}", "extra: 2}")},
     EXAM, 3, 28, "error", "draw-too-large", "topic 'extra' draws 2 questions but has only 1"),
    ("draw and topics together", {EXAM: TOPIC_EXAM.replace("pass_percent: 80", "pass_percent: 80\ndraw: 1")},
     EXAM, 4, 1, "error", "draw-conflict", "not both"),
    ("review word misspelled", {EXAM: VALID_TREE[EXAM].replace("pass_percent: 80", "pass_percent: 80\nreview: after_fnal")},
     EXAM, 3, 9, "error", "invalid-value", "review must be one of always, after_pass, after_final, never, or a mapping"),
    ("review level unknown", {EXAM: VALID_TREE[EXAM].replace("pass_percent: 80",
                                                            "pass_percent: 80\nreview: {after_attempt: key}")},
     EXAM, 3, 25, "error", "invalid-value", "after_attempt must be one of 'score', 'marks', 'answers' or 'explanations'"),
    ("review moment unknown", {EXAM: VALID_TREE[EXAM].replace("pass_percent: 80",
                                                             "pass_percent: 80\nreview: {after_fail: marks}")},
     EXAM, 3, 10, "error", "unknown-key", "unknown key 'after_fail'"),
    ("unknown question type", {EXAM: VALID_TREE[EXAM].replace("type: single", "type: singel")},
     EXAM, 5, 11, "error", "invalid-value", "did you mean 'single'?"),
    ("unlock names unknown track", {EXTRA: VALID_TREE[EXTRA].replace("registration: individual", "completed: cor")},
     EXTRA, 3, 16, "error", "unknown-track", "unknown track 'cor' (did you mean 'core'?)"),
    ("unlock names unknown agreement", {EXTRA: VALID_TREE[EXTRA].replace("registration: individual", "accepted: shop")},
     EXTRA, 3, 15, "error", "unknown-agreement", "unknown agreement 'shop'"),
    ("unlock names unknown requirement", {EXTRA: VALID_TREE[EXTRA].replace("registration: individual", "satisfied: hod-training")},
     EXTRA, 3, 16, "error", "unknown-requirement", "unknown requirement 'hod-training'"),
    ("registration requirement nobody satisfies", {TRACK: VALID_TREE[TRACK].replace("satisfies: marketplace-training\n", "")},
     PROGRAM, 6, 57, "error", "unsatisfied-requirement", "no track satisfies"),
    ("unlock cycle", {TRACK: VALID_TREE[TRACK] + "unlock:\n  - completed: extra\n"},
     TRACK, 6, 1, "error", "unlock-cycle", "core → extra → core"),
    ("raw html in module", {MODULE: VALID_TREE[MODULE].replace("See [the rules]", "See <b>this</b> [the rules]")},
     MODULE, 7, 5, "error", "raw-html", "raw HTML is not allowed"),
    ("raw html in exam prompt", {EXAM: VALID_TREE[EXAM].replace("prompt: Pick one", "prompt: Pick <em>one</em>")},
     EXAM, 6, 13, "error", "raw-html", "'<em>'"),
    ("link to nothing", {MODULE: VALID_TREE[MODULE].replace("02-rules.md", "09-missing.md")},
     MODULE, 7, 17, "error", "broken-link", "'09-missing.md' points at nothing"),
    ("image to nothing", {MODULE: VALID_TREE[MODULE] + "\n![A chart](img/chart.png)\n"},
     MODULE, 9, 12, "error", "broken-image", "'img/chart.png' points at nothing"),
    ("unknown key in front matter", {MODULE: VALID_TREE[MODULE].replace("minutes: 5", "minutes: 5\nobjective: [x]")},
     MODULE, 4, 1, "error", "unknown-key", "did you mean 'objectives'?"),
    ("front matter value wrong type", {MODULE: VALID_TREE[MODULE].replace("minutes: 5", "minutes: soon")},
     MODULE, 3, 10, "error", "invalid-type", "minutes must be a whole number"),
    ("no front matter", {MODULE: "# Just text\n"}, MODULE, 1, 1, "error", "no-front-matter", "front matter"),
    ("not utf-8", {EXAM: b"title: caf\xe9\npass_percent: 80\n"}, EXAM, 1, 1, "error", "not-utf8", "not UTF-8"),
    ("unknown callout", {MODULE: VALID_TREE[MODULE] + "\n::: warn\nCareful\n:::\n"},
     MODULE, 9, 5, "warning", "unknown-callout", "did you mean 'warning'?"),
    ("unused exam", {"quizzes/py2030/core/spare.yaml": VALID_TREE[EXAM]},
     "quizzes/py2030/core/spare.yaml", 1, 1, "warning", "unused-exam", "no module uses this exam"),
    ("stray file", {"quizzes/py2030/notes.yml": "a: 1\n"}, "quizzes/py2030/notes.yml", 1, 1, "warning", "stray-file", ".yaml"),
    ("agreement version not quoted", {"courses/py2030/agreements/general.md":
                                      VALID_TREE["courses/py2030/agreements/general.md"].replace('"2030.1"', "2030.10")},
     "courses/py2030/agreements/general.md", 3, 10, "error", "invalid-type", 'write it in quotes'),
    ("two files give one module key", {TRACK: VALID_TREE[TRACK].replace("02-rules.md]", "02-rules.md, 03-intro.md]"),
                                       "courses/py2030/core/03-intro.md": "---\ntitle: Again\n---\n"},
     TRACK, 5, 37, "error", "duplicate-module", "both give the module key 'intro'"),
    ("program lists missing track", {PROGRAM: VALID_TREE[PROGRAM].replace("[core, extra]", "[core, extra, shop]")},
     PROGRAM, 7, 23, "error", "missing-file", "track 'shop' has no"),
    ("track folder not listed", {PROGRAM: VALID_TREE[PROGRAM].replace("[core, extra]", "[core]")},
     EXTRA, 1, 1, "warning", "unlisted-track", "not listed"),
    ("registration names unlisted agreement",
     {PROGRAM: VALID_TREE[PROGRAM].replace("agreements: [general]}", "agreements: [general, privacy]}")},
     PROGRAM, 6, 101, "error", "unknown-agreement", "'privacy'"),
    ("too few choices", {EXAM: VALID_TREE[EXAM].replace("      - {text: Wrong, feedback: Not this one.}\n", "")},
     EXAM, 7, 5, "error", "too-few", "choices needs at least 2 items"),
    ("empty text", {EXAM: VALID_TREE[EXAM].replace("prompt: True?", "prompt: '  '")},
     EXAM, 13, 13, "error", "empty-value", "prompt must not be empty"),
    ("link to an exam file", {MODULE: VALID_TREE[MODULE].replace("02-rules.md", "../../../quizzes/py2030/core/rules.yaml")},
     MODULE, 7, 17, "error", "broken-link", "never published"),
    ("unlock dead end", {EXTRA: VALID_TREE[EXTRA].replace("registration: individual", "completed: third"),
                         PROGRAM: VALID_TREE[PROGRAM].replace("[core, extra]", "[core, extra, third]"),
                         "courses/py2030/third/track.yaml": "title: Third\nunlock: [{completed: extra}]\nmodules: [01-x.md]\n",
                         "courses/py2030/third/01-x.md": "---\ntitle: X\n---\n"},
     EXTRA, 2, 1, "error", "unlock-cycle", "extra → third → extra"),
    ("see names a missing heading", {EXAM: VALID_TREE[EXAM].replace("id: two\n", "id: two\n    see: '#rulez'\n")},
     EXAM, 12, 10, "error", "unknown-anchor", "did you mean 'rules'?"),
    ("see names a missing heading of another module",
     {EXAM: VALID_TREE[EXAM].replace("id: two\n", "id: two\n    see: 01-intro.md#rules\n")},
     EXAM, 12, 10, "error", "unknown-anchor", "names no heading of 01-intro.md"),
    ("true/false keys one way", {EXAM: exam_with(TRUE_FALSE_ALL_FALSE)},
     EXAM, 3, 1, "warning", "true-false-balance", "3 of 3 true/false answers are 'false'"),
    ("correct choice always the longest", {EXAM: exam_with(LONGEST_ALWAYS_RIGHT)},
     EXAM, 3, 1, "warning", "longest-correct", "the longest in 3 of 3 single-choice questions"),
    ("correct choice far longer", {EXAM: exam_with(GIVEAWAY)},
     EXAM, 9, 10, "warning", "giveaway-length", "its length gives it away"),
    ("distractor without feedback", {EXAM: exam_with(NO_FEEDBACK)},
     EXAM, 9, 9, "warning", "no-feedback", "this distractor has no feedback"),
    ("ordering items sort themselves", {EXAM: exam_with(ORDER_BY_DATE)},
     EXAM, 7, 5, "warning", "answer-in-prompt", "every item carries a date or number, in the order of the key"),
    ("ordering items sort themselves backwards", {EXAM: exam_with(ORDER_BY_DATE.replace("November 1, 2021", "March 1, 2022")
                                                                  .replace("February 1, 2022", "November 1, 2021"))},
     EXAM, 7, 5, "warning", "answer-in-prompt", "sorting them gives the answer"),
    ("prompt quotes its correct choice", {EXAM: exam_with(ANSWER_QUOTED.replace(" or Form 1095-A Marketplace Statement", ""))},
     EXAM, 6, 5, "warning", "answer-in-prompt", "the prompt contains the correct choice ('form 8962 premium tax credit')"),
    ("two prompts nearly the same", {EXAM: exam_with(NEAR_DUPLICATES)},
     EXAM, 10, 5, "warning", "duplicate-prompt", "nearly the same as the prompt of question 'first' (99% alike)"),
    ("quiet names no guessable warning", {EXAM: exam_with(NO_FEEDBACK.replace("    type: single\n",
                                                                              "    type: single\n    quiet: {no-feedbak: x}\n"))},
     EXAM, 6, 13, "error", "invalid-value", "a key of quiet must be one of 'true-false-balance'"),
    ("registration key not a name", {PROGRAM: VALID_TREE[PROGRAM].replace("individual:", "Indiv Idual:", 1)},
     PROGRAM, 6, 3, "error", "invalid-value", "a key of registrations must use lowercase letters"),
    ("pattern mismatch", {EXAM: VALID_TREE[EXAM].replace("id: one", "id: Question One")},
     EXAM, 4, 9, "error", "invalid-value", "lowercase letters, digits and dashes"),
]


@pytest.mark.parametrize(("files", "path", "line", "column", "severity", "code", "text"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_problem_is_reported_at_its_place(tmp_path, files, path, line, column, severity, code, text):
    problems = load(tmp_path, files).problems
    matching = [p for p in problems if p.code == code]
    assert matching, f"no {code} in {[p.format() for p in problems]}"
    found = matching[0]
    assert (found.path, found.line, found.column, found.severity) == (path, line, column, severity), found.format()
    assert text in found.message


def test_valid_tree_has_no_problems(tmp_path):
    catalog = load(tmp_path)
    assert catalog.problems == ()
    assert set(catalog.modules) == {"py2030/core/intro", "py2030/core/rules", "py2030/extra/more"}


def test_every_problem_is_collected_not_just_the_first(tmp_path):
    broken_exam = VALID_TREE[EXAM].replace("pass_percent: 80", "pass_percent: 180\ngrading: best")
    problems = load(tmp_path, {EXAM: broken_exam, MODULE: "# no front matter\n"}).problems
    assert {p.code for p in problems} >= {"out-of-range", "invalid-value", "no-front-matter"}


def test_one_broken_file_does_not_stop_the_rest(tmp_path):
    catalog = load(tmp_path, {EXAM: "title: [broken\n"})
    assert "py2030/core/rules" not in catalog.exams
    assert "py2030/core/rules" in catalog.modules  # the module still serves; only its exam is missing
    assert catalog.tracks["py2030/core"].module_keys == ("py2030/core/intro", "py2030/core/rules")
    assert catalog.agreements["py2030/general"].title == "General Agreement"


def test_problems_sort_by_place(tmp_path):
    problems = load(tmp_path, {EXAM: "title: x\n", MODULE: "# none\n"}).problems
    assert list(problems) == sorted(problems)


def test_dead_end_is_not_called_a_cycle(tmp_path):
    third = "title: Third\nunlock: [{completed: extra}]\nmodules: [01-x.md]\n"
    files = {EXTRA: VALID_TREE[EXTRA].replace("registration: individual", "completed: fourth"),
             PROGRAM: VALID_TREE[PROGRAM].replace("[core, extra]", "[core, extra, third, fourth]"),
             "courses/py2030/third/track.yaml": third, "courses/py2030/third/01-x.md": "---\ntitle: X\n---\n",
             "courses/py2030/fourth/track.yaml": third.replace("Third", "Fourth").replace("extra", "fourth"),
             "courses/py2030/fourth/01-x.md": "---\ntitle: X\n---\n"}
    problems = {(p.path, p.code): p.message for p in load(tmp_path, files).problems}
    assert "fourth → fourth" in problems[("courses/py2030/fourth/track.yaml", "unlock-cycle")]
    assert "waits for 'fourth'" in problems[("courses/py2030/extra/track.yaml", "unlock-dead-end")]
    assert "waits for 'extra'" in problems[("courses/py2030/third/track.yaml", "unlock-dead-end")]


def test_unlisted_tracks_and_modules_are_not_served(tmp_path):
    catalog = load(tmp_path, {PROGRAM: VALID_TREE[PROGRAM].replace("[core, extra]", "[core]"),
                              "courses/py2030/core/03-orphan.md": "---\ntitle: Orphan\n---\nText\n"})
    assert "py2030/extra" not in catalog.tracks
    assert "py2030/extra/more" not in catalog.modules
    assert "py2030/core/orphan" not in catalog.modules


def test_readme_files_are_ignored(tmp_path):
    catalog = load(tmp_path, {"courses/py2030/core/README.md": "Notes for authors <b>anything</b>\n"})
    assert catalog.problems == ()


def test_only_non_content_files_become_assets(tmp_path):
    body = VALID_TREE[MODULE] + "\n![Chart](chart.png) [exam](../../../quizzes/py2030/core/rules.yaml)\n"
    catalog = load(tmp_path, {MODULE: body, "courses/py2030/core/chart.png": b"\x89PNG"})
    assert catalog.assets == frozenset({"courses/py2030/core/chart.png"})


def test_links_to_listed_agreements_are_fine(tmp_path):
    body = VALID_TREE[MODULE] + "\nRead [the agreement](../agreements/general.md).\n"
    catalog = load(tmp_path, {MODULE: body})
    assert catalog.problems == ()
    assert 'href="/learn/py2030/agreements/general"' in catalog.modules["py2030/core/intro"].html


def test_module_links_work_from_any_page(tmp_path):
    track = VALID_TREE[TRACK] + "description: Start with [the introduction](01-intro.md#welcome).\n"
    catalog = load(tmp_path, {TRACK: track})
    assert 'href="/learn/py2030/core/intro#welcome"' in catalog.tracks["py2030/core"].description_html


def test_sources_render_as_links_and_are_checked_at_their_place(tmp_path):
    module = VALID_TREE[MODULE].replace(
        "minutes: 5\n", "minutes: 5\nsources:\n  - \"[HealthCare.gov: SEPs](https://www.healthcare.gov/sep-list/)\"\n"
                        "  - \"[missing](nothing.md)\"\n")
    catalog = load(tmp_path, {MODULE: module})
    sources = catalog.modules["py2030/core/intro"].sources_html
    assert 'href="https://www.healthcare.gov/sep-list/"' in sources[0]
    assert [(p.line, p.column, p.code) for p in catalog.problems] == [(6, 5, "broken-link")]


def test_symbolic_links_out_of_the_content_or_into_quizzes_are_refused(tmp_path):
    import os

    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    root = tmp_path / "content"
    body = VALID_TREE[MODULE] + "\n![leak](passwd.png) ![key](key.png) ![fine](chart.png)\n"
    catalog = load(root, {MODULE: body, "courses/py2030/core/chart.png": b"\x89PNG"})
    os.symlink(outside, root / "courses/py2030/core/passwd.png")
    os.symlink(root / "quizzes/py2030/core/rules.yaml", root / "courses/py2030/core/key.png")
    os.symlink(outside, root / "courses/py2030/core/03-linked.md")
    from lms.content import ContentLoader

    catalog = ContentLoader(root).load()
    problems = [(p.path, p.code, p.message) for p in catalog.problems if p.code == "unsafe-file"]
    assert len(problems) == 3, catalog.problems
    assert any("outside the content folder" in message and path.endswith("01-intro.md") for path, _, message in problems)
    assert any("leads into quizzes/" in message for _, _, message in problems)
    assert any(path.endswith("03-linked.md") and "it is not read" in message for path, _, message in problems)
    assert catalog.assets == frozenset({"courses/py2030/core/chart.png"})


def test_a_question_quiets_a_guessable_warning_with_a_reason(tmp_path):
    quiet = NO_FEEDBACK.replace("    type: single\n", "    type: single\n    quiet: {no-feedback: The distractor is self-evident.}\n")
    assert load(tmp_path, {EXAM: exam_with(quiet)}).problems == ()
    unexplained = quiet.replace("The distractor is self-evident.", "''")
    assert [p.code for p in load(tmp_path / "again", {EXAM: exam_with(unexplained)}).problems] == ["empty-value"]


def test_quieted_questions_leave_the_exam_wide_counts(tmp_path):
    quiet = TRUE_FALSE_ALL_FALSE.replace("    answer: false\n", "    answer: false\n    quiet: {true-false-balance: On purpose.}\n", 1)
    assert load(tmp_path, {EXAM: exam_with(quiet)}).problems == ()


def test_an_exam_that_draws_by_topic_loads_with_its_topics(tmp_path):
    catalog = load(tmp_path, {EXAM: TOPIC_EXAM})
    assert list(catalog.problems) == []
    exam = catalog.exams["py2030/core/rules"]
    assert exam.topics == (("basics", 1), ("extra", 1))
    assert [question.topic for question in exam.questions] == ["basics", "extra"]
    assert exam.question_count == 2 and not exam.drawn


@pytest.mark.parametrize(("questions", "code"), [
    (ORDER_BY_DATE.replace("  - Coverage starts on February 1, 2022", "  - Coverage starts on December 1, 2021"),
     "answer-in-prompt"),
    (ANSWER_QUOTED, "answer-in-prompt"),  # the prompt names a distractor too, so the words prove nothing
    (NEAR_DUPLICATES.replace("An agent may enrol a consumer without their consent!",
                             "A consumer may cancel an enrollment an agent made without their consent."), "duplicate-prompt"),
    (ORDER_BY_DATE.replace("    type: ordering\n", "    type: ordering\n    quiet: {answer-in-prompt: Tests reading"
                           " the notice dates.}\n"), "answer-in-prompt"),
], ids=["dates out of order", "distractor also in prompt", "different prompts", "quieted"])
def test_a_fair_question_sets_off_no_warning(tmp_path, questions, code):
    problems = load(tmp_path, {EXAM: exam_with(questions)}).problems
    assert [problem.format() for problem in problems if problem.code == code] == []
