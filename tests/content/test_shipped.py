"""The Plan Year 2022 program that ships with the product loads clean and is complete."""

from __future__ import annotations

import pytest

from lms.config import PROJECT_ROOT
from lms.content import load_catalog


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(PROJECT_ROOT)


def test_shipped_content_has_no_problems(catalog):
    assert [problem.format() for problem in catalog.problems] == []


def test_program_shape(catalog):
    program = catalog.programs["py2022"]
    assert program.plan_year == 2022
    assert program.previous == "py2021"
    assert [t.slug for t in catalog.tracks_of(program)] == ["marketplace", "returning", "shop", "help-on-demand"]
    # The PY2022 individual-market agreement is one document with its privacy and security standards
    # in an appendix (courses/py2022/agreements/general.md); the SHOP agreement stays separate.
    assert {a.slug for a in catalog.agreements_of(program)} == {"general", "shop"}
    assert program.registration_agreement_keys == ("py2022/general",)


def test_full_marketplace_track(catalog):
    track = catalog.tracks["py2022/marketplace"]
    assert (track.audience, track.required, track.satisfies) == ("new", True, "marketplace-training")
    modules = catalog.modules_of(track)
    examined = [module for module in modules if module.exam_key is not None]
    # Every lesson ends in a real exam; only short reference pages (such as "Where to get help")
    # may go without one, and they may not outnumber the lessons.
    assert len(examined) >= 6
    assert all(module.minutes is not None and module.minutes <= 10
               for module in modules if module.exam_key is None)
    assert len(modules) - len(examined) <= 1
    types = set()
    for module in examined:
        exam = catalog.exams[module.exam_key]
        assert len(exam.questions) >= 8, exam.key
        # Limited attempts, a time limit, and never the key while attempts remain.
        assert exam.attempts is not None and exam.time_limit_minutes is not None, exam.key
        assert exam.review.after_attempt in ("score", "marks"), exam.key
        types |= {question.type for question in exam.questions}
    assert len(types) >= 4


@pytest.mark.parametrize(("slug", "audience", "modules"), [("returning", "returning", 2), ("shop", "all", 2),
                                                           ("help-on-demand", "all", 1)])
def test_other_tracks(catalog, slug, audience, modules):
    track = catalog.tracks[f"py2022/{slug}"]
    assert track.audience == audience
    found = catalog.modules_of(track)
    assert len(found) >= modules
    assert any(module.exam_key in catalog.exams for module in found)


def test_unlock_rules(catalog):
    assert catalog.tracks["py2022/returning"].satisfies == "marketplace-training"
    shop = {(c.kind, c.value) for c in catalog.tracks["py2022/shop"].unlock}
    assert shop == {("accepted", "shop")}  # SHOP training is optional and opens with the SHOP agreement
    hod = {(c.kind, c.value) for c in catalog.tracks["py2022/help-on-demand"].unlock}
    assert hod == {("registration", "individual")}


def test_registrations(catalog):
    program = catalog.programs["py2022"]
    individual, shop = program.registrations
    assert (individual.key, individual.title, individual.training, individual.agreement_keys) == (
        "individual", "Individual Marketplace", "marketplace-training", ("py2022/general",))
    assert (shop.key, shop.training, shop.agreement_keys) == ("shop", None, ("py2022/shop",))


def test_every_shipped_question_names_the_section_that_teaches_it(catalog):
    unnamed = [f"{exam.key}:{question.id}" for exam in catalog.exams.values() for question in exam.questions
               if not question.see]
    assert unnamed == []


def test_shipped_exams_that_draw_give_every_attempt_the_same_mix(catalog):
    drawn = [exam for exam in catalog.exams.values() if exam.drawn]
    assert drawn, "the eligibility exam draws from a pool"
    assert [exam.key for exam in drawn if not exam.topics] == []
