"""The exam engine: layout, attempts, time limits, grading, review policy and integrity."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest

from lms.content.catalog import ReviewPolicy
from lms.models import Attempt
from lms.services import accounts, exams
from lms.services.errors import NotFound, RuleError
from lms.services.layout import layout_for
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()

NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def rules(player_catalog):
    return player_catalog.exams["py2030/core/rules"]


@pytest.fixture
def user_id(uow):
    return accounts.create_account(uow, "examinee@example.com", TEST_PASSWORD).id


def take(uow, exam, user_id, right=True, now=NOW):
    attempt = exams.start_attempt(uow, CATALOG, exam, user_id, now)
    version, layout = exams.attempt_exam(uow.session, attempt)
    return exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, right)), now)


def test_layout_is_deterministic_per_seed_and_varies_between_seeds(rules):
    assert layout_for(rules, 12345) == layout_for(rules, 12345)
    orders = {layout_for(rules, seed).question_ids for seed in range(40)}
    assert len(orders) > 10  # shuffle: true mixes questions up
    for seed in range(40):
        layout = layout_for(rules, seed)
        assert sorted(layout.question_ids) == sorted(q.id for q in rules.questions)
        for qlayout in layout.questions:
            question = next(q for q in rules.questions if q.id == qlayout.question_id)
            if question.type in ("matching", "ordering"):
                assert list(qlayout.order) != sorted(qlayout.order)  # never shown in the answer's order


def test_draw_picks_a_subset_of_the_pool(rules):
    drawn = dataclasses.replace(rules, draw=3)
    layouts = [layout_for(drawn, seed) for seed in range(30)]
    assert all(len(layout.questions) == 3 for layout in layouts)
    assert len({frozenset(layout.question_ids) for layout in layouts}) > 3


def by_topic(rules, first_count=1, second_count=2):
    """The rules exam drawing by topic: its first two questions are 'first', the rest 'second'."""
    questions = tuple(dataclasses.replace(q, topic="first" if index < 2 else "second")
                      for index, q in enumerate(rules.questions))
    return dataclasses.replace(rules, questions=questions, topics=(("first", first_count), ("second", second_count)),
                               content_hash="b" * 64)


def test_a_draw_by_topic_asks_each_topics_count_in_every_attempt(rules):
    exam = by_topic(rules)
    topic_of = {q.id: q.topic for q in exam.questions}
    layouts = [layout_for(exam, seed) for seed in range(80)]
    for layout in layouts:
        topics = sorted(topic_of[question_id] for question_id in layout.question_ids)
        assert topics == ["first", "second", "second"]
    assert {question_id for layout in layouts for question_id in layout.question_ids} == set(topic_of)
    assert exam.question_count == 3 and exam.drawn


def test_a_draw_by_topic_is_the_same_for_the_same_attempt_and_survives_the_stored_version(uow, rules, user_id):
    exam = by_topic(rules)
    assert all(layout_for(exam, seed) == layout_for(exam, seed) for seed in range(20))
    attempt = exams.start_attempt(uow, CATALOG, exam, user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    assert version.topics == exam.topics and version == exam
    assert layout == layout_for(exam, attempt.seed) and len(layout.questions) == 3
    scored = exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, True)), NOW)
    asked = {question_id: q.points for q in exam.questions for question_id in layout.question_ids if q.id == question_id}
    assert scored.percent == 100.0 and scored.points == sum(asked.values())


def test_without_shuffle_questions_and_choices_keep_file_order(rules):
    plain = dataclasses.replace(rules, shuffle=False)
    layout = layout_for(plain, 99)
    assert layout.question_ids == tuple(q.id for q in rules.questions)
    assert layout.of("pick-one").order == (0, 1, 2)


def test_tokens_do_not_reveal_positions(rules):
    layout = layout_for(rules, 7)
    tokens = [token for qlayout in layout.questions for token in qlayout.tokens]
    assert len(set(tokens)) == len(tokens)
    assert all(len(token) == 12 and not token.isdigit() for token in tokens)



def test_form_values_stay_what_earlier_releases_made_them(rules):
    """A page opened before an upgrade and submitted after it must still be read: each option's value is
    the first 12 hex digits of SHA-256 of "seed:question id:option index", in file order."""
    seed = 1_234_567_890_123_456_789
    for qlayout in layout_for(rules, seed).questions:
        assert qlayout.tokens == tuple(hashlib.sha256(f"{seed}:{qlayout.question_id}:{index}".encode()).hexdigest()[:12]
                                       for index in range(len(qlayout.tokens)))
    assert any(qlayout.tokens for qlayout in layout_for(rules, seed).questions)

def test_start_is_idempotent_while_an_attempt_is_open(uow, rules, user_id):
    first = exams.start_attempt(uow, CATALOG, rules, user_id, NOW)
    again = exams.start_attempt(uow, CATALOG, rules, user_id, NOW + dt.timedelta(minutes=5))
    assert first.id == again.id and first.number == 1
    assert first.content_hash == rules.content_hash


def test_scoring_all_right_and_all_wrong(uow, rules, user_id):
    right = take(uow, rules, user_id, right=True)
    assert (right.percent, right.passed, right.points, right.max_points) == (100.0, True, 6.0, 6.0)
    wrong = take(uow, rules, user_id, right=False)
    assert wrong.percent == 0.0 and wrong.passed is False
    assert wrong.results == {q.id: 0.0 for q in rules.questions}


def test_attempt_limit_locks_the_exam_until_an_admin_grants_one(uow, rules, user_id):
    with pytest.raises(RuleError, match="only be granted once every attempt is used"):
        exams.grant_attempt(uow, rules, user_id, admin_id=None)
    for _ in range(3):
        take(uow, rules, user_id, right=False)
    standing = exams.standing(uow.session, rules, user_id)
    assert standing.locked and standing.left == 0
    with pytest.raises(RuleError, match="Contact an administrator"):
        exams.start_attempt(uow, CATALOG, rules, user_id, NOW)
    exams.grant_attempt(uow, rules, user_id, admin_id=None, reason="network failure")
    assert exams.standing(uow.session, rules, user_id).left == 1
    assert take(uow, rules, user_id).number == 4
    assert exams.standing(uow.session, rules, user_id).passed


def test_a_repeated_submission_is_scored_once(uow, rules, user_id):
    attempt = exams.start_attempt(uow, CATALOG, rules, user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    first = exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, True)), NOW)
    second = exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, False)),
                                  NOW + dt.timedelta(seconds=1))
    assert second.percent == first.percent == 100.0
    assert second.submitted_at == NOW


def test_saved_answers_survive_and_are_what_a_timeout_scores(uow, player_catalog, user_id):
    exam = player_catalog.exams["py2030/returning/refresh"]
    attempt = exams.start_attempt(uow, CATALOG, exam, user_id, NOW)
    assert attempt.deadline == NOW + dt.timedelta(minutes=10)
    version, layout = exams.attempt_exam(uow.session, attempt)
    exams.save_answers(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, True)), NOW)
    late = NOW + dt.timedelta(minutes=11)
    with pytest.raises(RuleError, match="Time is up"):
        exams.save_answers(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, False)), late)
    scored = uow.session.get(Attempt, attempt.id)
    assert scored.submitted and scored.timed_out and scored.percent == 100.0
    assert scored.submitted_at == attempt.deadline + exams.DEADLINE_GRACE


def test_submission_after_the_deadline_ignores_late_answers(uow, player_catalog, user_id):
    exam = player_catalog.exams["py2030/returning/refresh"]
    attempt = exams.start_attempt(uow, CATALOG, exam, user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    late = NOW + dt.timedelta(minutes=30)
    scored = exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, True)), late)
    assert scored.timed_out and scored.percent == 0.0


def test_an_expired_open_attempt_counts_and_is_scored_when_the_next_starts(uow, player_catalog, user_id):
    exam = player_catalog.exams["py2030/returning/refresh"]
    first = exams.start_attempt(uow, CATALOG, exam, user_id, NOW)
    second = exams.start_attempt(uow, CATALOG, exam, user_id, NOW + dt.timedelta(hours=1))
    assert second.number == 2 and uow.session.get(Attempt, first.id).timed_out


@pytest.mark.parametrize(("grading", "expected"), [("highest", 100.0), ("last", 0.0), ("first", 0.0),
                                                   ("average", 33.33)])
def test_grading_methods(uow, rules, user_id, grading, expected):
    exam = dataclasses.replace(rules, grading=grading)
    take(uow, exam, user_id, right=False)
    take(uow, exam, user_id, right=True)
    take(uow, exam, user_id, right=False)
    standing = exams.standing(uow.session, exam, user_id)
    assert standing.percent == pytest.approx(expected, abs=0.01)
    assert standing.passed == (standing.percent >= 70)


@pytest.mark.parametrize(("review", "passed", "used_up", "allowed"), [
    ("always", False, False, True),
    ("after_pass", False, False, False), ("after_pass", True, False, True),
    ("after_final", False, False, False), ("after_final", False, True, True), ("after_final", True, False, True),
    ("never", True, True, False),
])
def test_the_first_releases_review_words_keep_their_meaning(uow, rules, user_id, review, passed, used_up, allowed):
    exam = dataclasses.replace(rules, review=ReviewPolicy.read(review), attempts=1 if used_up else 3)
    take(uow, exam, user_id, right=passed)
    current = exams.standing(uow.session, exam, user_id)
    assert current.review_allowed is allowed and current.key_shown is allowed


SHIPPED_DEFAULT = ReviewPolicy()  # marks after each attempt and after the last; the key once passed


# (policy, attempts taken and whether the last passed, attempts allowed, the level the agent sees)
@pytest.mark.parametrize(("policy", "taken", "allowed", "level"), [
    (SHIPPED_DEFAULT, [False], 3, "marks"),                  # failed, attempts remain: which were wrong, no key
    (SHIPPED_DEFAULT, [False, True], 3, "explanations"),     # passed: everything
    (SHIPPED_DEFAULT, [False, False, False], 3, "marks"),    # last attempt used: still no key
    (ReviewPolicy.read("after_final"), [False, False, False], 3, "explanations"),
    (SHIPPED_DEFAULT, [False], None, "marks"),               # unlimited attempts: never a last one
    (ReviewPolicy("score", "answers", "marks"), [False], 1, "marks"),
    (ReviewPolicy("score", "answers", "marks"), [True], 1, "answers"),  # the most generous moment wins
    (ReviewPolicy("answers", "score", "score"), [True], 3, "answers"),
    (ReviewPolicy("score", "score", "score"), [False, True], 3, "score"),
])
def test_review_policy_matrix(uow, rules, user_id, policy, taken, allowed, level):
    exam = dataclasses.replace(rules, review=policy, attempts=allowed)
    for passed in taken:
        take(uow, exam, user_id, right=passed)
    current = exams.standing(uow.session, exam, user_id)
    assert current.review_level == level
    assert current.review_allowed is (level != "score")
    assert current.key_shown is (level in ("answers", "explanations"))


def test_review_policy_says_each_moment_that_shows_more():
    assert SHIPPED_DEFAULT.moments(limited_attempts=True) == [("after_attempt", "marks"), ("after_pass", "explanations")]
    final = ReviewPolicy.read("after_final")
    assert final.moments(limited_attempts=True) == [
        ("after_attempt", "score"), ("after_pass", "explanations"), ("after_last", "explanations")]
    assert final.moments(limited_attempts=False) == [("after_attempt", "score"), ("after_pass", "explanations")]
    assert ReviewPolicy.read("always").moments(limited_attempts=True) == [("after_attempt", "explanations")]


def test_after_final_with_unlimited_attempts_waits_for_a_pass(uow, rules, user_id):
    exam = dataclasses.replace(rules, review=ReviewPolicy.read("after_final"), attempts=None)
    take(uow, exam, user_id, right=False)
    assert not exams.standing(uow.session, exam, user_id).review_allowed
    assert exams.standing(uow.session, exam, user_id).left is None


def test_editing_the_exam_never_changes_a_recorded_score(uow, rules, user_id):
    attempt = take(uow, rules, user_id, right=True)
    edited = dataclasses.replace(rules, content_hash="0" * 64, pass_percent=100.0,
                                 questions=tuple(dataclasses.replace(q, points=10) for q in rules.questions))
    assert (attempt.percent, attempt.points) == (100.0, 6.0)
    version, _ = exams.attempt_exam(uow.session, attempt)
    assert version == rules and version != edited
    next_attempt = exams.start_attempt(uow, CATALOG, edited, user_id, NOW)
    assert next_attempt.content_hash == "0" * 64


def test_viewing_an_expired_attempt_scores_it_with_what_was_saved(uow, player_catalog, user_id):
    exam = player_catalog.exams["py2030/returning/refresh"]
    attempt = exams.start_attempt(uow, CATALOG, exam, user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, attempt)
    exams.save_answers(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, True)), NOW)
    view = exams.view_attempt(uow, CATALOG, attempt.id, user_id, NOW + dt.timedelta(hours=2))
    assert view.attempt.submitted and view.attempt.timed_out and view.attempt.percent == 100.0
    assert uow.session.get(Attempt, attempt.id).submitted  # committed, not just shown


def test_another_agents_attempt_does_not_exist_for_them(uow, rules, user_id):
    attempt = exams.start_attempt(uow, CATALOG, rules, user_id, NOW)
    stranger = accounts.create_account(uow, "stranger@example.com", TEST_PASSWORD).id
    for call in (lambda: exams.view_attempt(uow, CATALOG, attempt.id, stranger, NOW),
                 lambda: exams.submit_attempt(uow, CATALOG, attempt.id, stranger, getter({}), NOW),
                 lambda: exams.save_answers(uow, CATALOG, attempt.id, stranger, getter({}), NOW),
                 lambda: exams.attempt_for(uow.session, attempt.id + 1000, user_id)):
        with pytest.raises(NotFound):
            call()
    assert not uow.session.get(Attempt, attempt.id).submitted


@pytest.mark.parametrize("count", [3, 4])
def test_matches_and_items_are_shuffled_uniformly_but_never_in_the_keys_order(count):
    import itertools
    from collections import Counter

    from lms.questions.ordering import OrderingData

    exam = dataclasses.replace(CATALOG.exams["py2030/core/rules"], shuffle=False, questions=(
        dataclasses.replace(CATALOG.exams["py2030/core/rules"].questions[-1],
                            data=OrderingData(tuple(f"item {i}" for i in range(count)))),))
    seen = Counter(layout_for(exam, seed).questions[0].order for seed in range(3000))
    identity = tuple(range(count))
    assert identity not in seen
    others = [order for order in itertools.permutations(range(count)) if order != identity]
    assert set(seen) == set(others)
    expected = 3000 / len(others)
    assert all(abs(n - expected) < 0.25 * expected for n in seen.values()), seen


def test_exam_versions_stored_before_question_types_had_modules_still_load(uow):
    """Snapshots written by the first release kept every type's fields on every question."""
    from lms.models import ExamVersion
    from lms.services.exam_versions import CACHE, load_version

    old_question = {"id": "q1", "type": "single", "prompt_html": "<p>Pick</p>", "points": 1.0,
                    "explanation_html": "", "choices": [{"text_html": "A", "correct": True, "feedback_html": ""},
                                                        {"text_html": "B", "correct": False, "feedback_html": ""}],
                    "partial": False, "answer": None, "tolerance": 0, "unit": None, "pairs": [], "items_html": []}
    old = {"key": "old/exam", "title": "Old", "description_html": "", "pass_percent": 80.0, "attempts": 2,
           "grading": "highest", "time_limit_minutes": None, "shuffle": False, "draw": None, "review": "after_pass",
           "questions": [old_question], "content_hash": "f" * 64, "source": "quizzes/old/exam.yaml"}
    with uow.write() as session:
        session.add(ExamVersion(content_hash="f" * 64, exam_key="old/exam", snapshot=old))
    CACHE._items.pop("f" * 64, None)
    exam = load_version(uow.session, "f" * 64)
    assert [choice.correct for choice in exam.questions[0].data.choices] == [True, False]
    assert exam.attempts == 2


def test_starting_at_the_limit_with_an_expired_open_attempt_scores_it_and_keeps_the_score(uow, player_catalog,
                                                                                          user_id):
    exam = player_catalog.exams["py2030/returning/refresh"]  # two attempts, ten minutes each
    take(uow, exam, user_id, right=False)
    last = exams.start_attempt(uow, CATALOG, exam, user_id, NOW)
    version, layout = exams.attempt_exam(uow.session, last)
    exams.save_answers(uow, CATALOG, last.id, user_id, getter(answer_values(version, layout, True)), NOW)
    with pytest.raises(exams.TimeIsUp) as error:
        exams.start_attempt(uow, CATALOG, exam, user_id, NOW + dt.timedelta(hours=1))
    assert error.value.attempt_id == last.id
    scored = uow.session.get(Attempt, last.id)
    assert scored.submitted and scored.timed_out and scored.percent == 100.0  # not rolled back with the refusal
    assert exams.standing(uow.session, exam, user_id).passed


def test_a_start_asked_not_to_score_an_expired_attempt_writes_nothing(uow, player_catalog, user_id):
    exam = player_catalog.exams["py2030/returning/refresh"]  # ten minutes an attempt
    first = exams.start_attempt(uow, CATALOG, exam, user_id, NOW)
    later = NOW + dt.timedelta(hours=1)
    with pytest.raises(exams.OutOfTime):
        exams.start_attempt(uow, CATALOG, exam, user_id, later, score_expired=False)
    uow.session.expire_all()
    assert not uow.session.get(Attempt, first.id).submitted  # left for a start that scores it
    assert exams.start_attempt(uow, CATALOG, exam, user_id, NOW + dt.timedelta(minutes=5), score_expired=False) == first
    assert exams.start_attempt(uow, CATALOG, exam, user_id, later).number == 2  # scored, then the next one


def test_a_grant_after_the_key_was_shown_needs_the_admins_confirmation(uow, rules, user_id):
    exam = dataclasses.replace(rules, review=ReviewPolicy.read("after_final"))
    for _ in range(3):
        take(uow, exam, user_id, right=False)
    assert exams.standing(uow.session, exam, user_id).key_shown  # the key has been on their screen
    with pytest.raises(exams.KeySeen, match="passed from memory"):
        exams.grant_attempt(uow, exam, user_id, admin_id=None, reason="asked nicely")
    assert exams.standing(uow.session, exam, user_id).left == 0
    exams.grant_attempt(uow, exam, user_id, admin_id=None, reason="exam was broken", even_after_review=True)
    assert exams.standing(uow.session, exam, user_id).left == 1
    from sqlalchemy import select

    from lms.models import AuditEntry

    granted = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "attempt.granted")).one()
    assert granted.details["after_review"] is True and granted.details["reason"] == "exam was broken"
