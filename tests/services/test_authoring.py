"""What authors see: every item with its check status, exam previews with the key, versions with attempt counts."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from lms.content import load_catalog
from lms.models.types import utcnow
from lms.services import accounts, authoring, exams, scoring
from lms.services.errors import NotFound
from tests.support.apps import TEST_PASSWORD
from tests.support.player_tree import write_player_tree

EXAM = "py2030/core/rules"


def test_every_item_is_listed_in_the_order_agents_meet_it_with_its_problems(tmp_path):
    root = write_player_tree(tmp_path, {
        "courses/py2030/extra/01-more.md": "---\ntitle: More\n---\n::: notes\nA note.\n:::\n",  # a warning
        "quizzes/py2030/returning/refresh.yaml": "title: Refresh exam\npass_percent: 180\nquestions: []\n",
    })
    status = authoring.content_status(load_catalog(root))
    assert [entry.key for entry in status.programs] == ["py2030"]
    assert [entry.key for entry in status.tracks] == [f"py2030/{slug}" for slug in
                                                     ("core", "returning", "extra", "shop", "hod")]
    assert [entry.title for entry in status.modules][:3] == ["Introduction", "The Rules", "Refresh"]
    assert [entry.key for entry in status.agreements] == ["py2030/general", "py2030/shop"]
    more = next(entry for entry in status.modules if entry.title == "More")
    assert (more.status.word, more.status.tag, more.within) == ("1 warning", "warning", "Extra")
    rules = next(entry for entry in status.exams if entry.key == EXAM)
    assert (rules.status.word, rules.within, rules.source) == ("OK", "The Rules", "quizzes/py2030/core/rules.yaml")
    assert [entry.key for entry in status.exams] == [EXAM]  # the broken exam is not served...
    broken = dict(status.others)["quizzes/py2030/returning/refresh.yaml"]
    assert broken.errors >= 2 and broken.word.endswith("errors")  # ...and is listed with its errors


def test_the_preview_shows_every_question_with_the_key_or_as_a_failing_agent_sees_it(player_catalog):
    right = authoring.exam_preview(None, player_catalog, EXAM)
    exam = player_catalog.exams[EXAM]
    assert [item.review.question.id for item in right.items] == [question.id for question in exam.questions]
    assert all(item.review.full_marks for item in right.items)
    silver = right.items[0].review.rows[0]
    assert (silver.chosen, silver.correct, silver.feedback_html) == (True, True, "<p>Right, silver.</p>\n")
    assert [choice.feedback_html for choice in right.items[0].choices] == [
        "<p>Right, silver.</p>\n", "<p>Bronze plans have no cost-sharing reductions.</p>\n",
        "<p>Gold plans have no cost-sharing reductions either.</p>\n"]
    assert right.items[3].review.expected_text == right.items[3].review.learner_text  # numeric: the key as given
    wrong = authoring.exam_preview(None, player_catalog, EXAM, answered="wrong")
    assert not any(item.review.earned for item in wrong.items)
    assert wrong.items[0].review.rows[1].feedback_html == "<p>Bronze plans have no cost-sharing reductions.</p>\n"
    assert set(wrong.sections) == {"pick-one", "yes-no"} and wrong.current and wrong.stored_version is None
    with pytest.raises(NotFound):
        authoring.exam_preview(None, player_catalog, "py2030/core/nothing")


def take(uow, catalog, user_id: int, when: dt.datetime, submit: bool = True):
    exam = catalog.exams[EXAM]
    attempt = exams.start_attempt(uow, catalog, exam, user_id, when)
    if submit:
        version, layout = exams.attempt_exam(uow.session, attempt)
        form = scoring.form_for(version, layout, True)
        exams.submit_attempt(uow, catalog, attempt.id, user_id, lambda name: form.get(name, []), when)
    return attempt


def test_versions_count_the_attempts_taken_on_each_and_each_attempt_names_its_version(database, player_catalog):
    old = player_catalog
    exam = old.exams[EXAM]
    edited = dataclasses.replace(exam, content_hash="e" * 64, title="Rules exam, edited",
                                 questions=exam.questions[:2])
    new = dataclasses.replace(old, exams={**old.exams, EXAM: edited})
    with database.unit_of_work() as uow:
        ana = accounts.create_account(uow, "ana@example.com", TEST_PASSWORD).id
        ben = accounts.create_account(uow, "ben@example.com", TEST_PASSWORD).id
        take(uow, old, ana, utcnow())
        take(uow, old, ben, utcnow(), submit=False)
        take(uow, new, ana, utcnow())
        before_edit = authoring.exam_versions(uow.session, old, EXAM)
        found = authoring.exam_versions(uow.session, new, EXAM)
        preview = authoring.exam_preview(uow.session, new, EXAM, version=exam.content_hash)
    assert [(v.label, v.attempts, v.submitted) for v in before_edit.versions] == [
        ("Version 1 (current)", 2, 1), ("Version 2", 1, 1)]
    assert [(v.label, v.attempts, v.submitted) for v in found.versions] == [
        ("Version 1", 2, 1), ("Version 2 (current)", 1, 1)]
    assert found.versions[0].first_seen is not None and found.total == 3
    assert [(a.number, a.status, a.version.number) for a in found.attempts] == [
        (2, "submitted", 2), (1, "in_progress", 1), (1, "submitted", 1)]
    assert found.title == "Rules exam, edited"
    assert len(preview.items) == len(exam.questions) and not preview.current  # the stored version, in full
    assert preview.stored_version == exam.content_hash


def test_a_current_version_nobody_took_yet_is_listed_and_pages_hold_fifty(database, player_catalog, monkeypatch):
    with database.unit_of_work() as uow:
        empty = authoring.exam_versions(uow.session, player_catalog, EXAM)
        assert [(v.label, v.attempts, v.first_seen) for v in empty.versions] == [("Not yet taken (current)", 0, None)]
        assert (empty.total, empty.pages, empty.attempts) == (0, 1, ())
        monkeypatch.setattr(authoring, "ATTEMPTS_PER_PAGE", 2)
        start = utcnow()
        for number in range(3):
            user = accounts.create_account(uow, f"agent{number}@example.com", TEST_PASSWORD).id
            take(uow, player_catalog, user, start + dt.timedelta(minutes=number))
        second = authoring.exam_versions(uow.session, player_catalog, EXAM, page=2)
        beyond = authoring.exam_versions(uow.session, player_catalog, EXAM, page=99)
    assert (second.page, second.pages, len(second.attempts)) == (2, 2, 1)
    assert beyond.page == 2
    with database.unit_of_work() as uow, pytest.raises(NotFound):
        authoring.exam_versions(uow.session, player_catalog, "py2030/none")
