"""The admin's people list: every filter, search, sort and page, answered in SQL on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.models import AgentProfile, AgreementAcceptance, ModuleProgress, RegistrationCompletion, TrackCompletion, User
from lms.services import exam_resets, exams
from lms.services.people_list import PAGE_SIZE, PeopleFilter, people_page
from tests.support.player_tree import answer_values, getter, player_catalog

CATALOG = player_catalog()
PROGRAM = CATALOG.programs["py2030"]
RULES = CATALOG.exams["py2030/core/rules"]
NOW = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)


def add_person(session, email, first="", last="", npn=None, status="unchecked", role="learner", verified=False,
               created=NOW):
    user = User(email=email, password_hash="x", role=role, created_at=created,
                identity_verified_at=NOW if verified else None)
    session.add(user)
    session.flush()
    if first or npn:
        session.add(AgentProfile(user_id=user.id, first_name=first, last_name=last, npn=npn, npn_status=status,
                                 sell_states="TX", resident_state="TX", phone="5125550100"))
    return user.id


def fail_rules(uow, user_id, times=3):
    for _ in range(times):
        attempt = exams.start_attempt(uow, CATALOG, RULES, user_id, NOW)
        version, layout = exams.attempt_exam(uow.session, attempt)
        exams.submit_attempt(uow, CATALOG, attempt.id, user_id, getter(answer_values(version, layout, False)), NOW)


@pytest.fixture
def people(uow):
    """Five agents in different situations, and an admin."""
    general = CATALOG.agreements["py2030/general"]
    with uow.write() as session:
        ids = {
            "ana": add_person(session, "ana@example.com", "Ana", "Ruiz", "1234567", "valid", verified=True),
            "ben": add_person(session, "ben@example.com", "Ben", "Cole", "2345678", "not_found"),
            "cara": add_person(session, "cara@example.com", "Cara", "Diaz", "3456789", "valid"),
            "dan": add_person(session, "dan@example.com"),
            "eve": add_person(session, "eve@example.com", "Eve", "Adams", "5678901", "inactive", verified=True),
            "boss": add_person(session, "boss@example.com", role="admin"),
        }
        for name in ("ana", "eve"):
            session.add(TrackCompletion(user_id=ids[name], track_key="py2030/core", program_key="py2030",
                                        completed_at=NOW))
        session.add(AgreementAcceptance(user_id=ids["eve"], program_key="py2030", agreement_key=general.key,
                                        title=general.title, version=general.version, text_html="Terms.",
                                        text_sha256="0" * 64, typed_name="Eve Adams", accepted_at=NOW))
        session.add(RegistrationCompletion(user_id=ids["eve"], program_key="py2030", registration_key="individual",
                                           npn="5678901", completed_at=NOW, lapsed_at=NOW, lapse_reason="NPN"))
        session.add(ModuleProgress(user_id=ids["ben"], module_key="py2030/core/intro", first_seen_at=NOW,
                                   last_seen_at=NOW + dt.timedelta(days=2), seconds_spent=60, completed_at=NOW))
    fail_rules(uow, ids["cara"])
    return ids


def names(uow, **chosen) -> list[str]:
    page = people_page(uow.session, CATALOG, PROGRAM, PeopleFilter(**chosen))
    return [row.user.email.split("@")[0] for row in page.rows]


def test_each_status_filter_finds_exactly_its_people(uow, people):
    assert names(uow) == ["eve", "ben", "cara", "ana", "dan"]  # agents by last name, those without one last
    assert names(uow, role="all") == ["eve", "ben", "cara", "ana", "boss", "dan"]
    assert names(uow, role="admin") == ["boss"]
    assert names(uow, npn="invalid") == ["eve", "ben"]
    assert names(uow, npn="valid") == ["cara", "ana"]
    assert names(uow, npn="missing") == ["dan"]
    assert names(uow, identity="verified") == ["eve", "ana"]
    assert names(uow, identity="missing") == ["ben", "cara", "dan"]
    assert names(uow, training="done") == ["eve", "ana"]
    assert names(uow, training="agreements_missing") == ["ana"]
    assert names(uow, training="in_progress") == ["ben", "cara"]
    assert names(uow, training="not_started") == ["dan"]
    assert names(uow, training="locked") == ["cara"]
    assert [key for key, user_id in people.items() if exams.locked_exams(uow.session, CATALOG, user_id)] == ["cara"]
    assert names(uow, registration="individual:lapsed") == ["eve"]
    assert names(uow, registration="individual:complete") == []
    assert names(uow, registration="individual:incomplete") == ["eve", "ben", "cara", "ana", "dan"]
    assert names(uow, npn="valid", identity="missing") == ["cara"]


def test_locked_out_follows_grants_resets_and_passes(uow, people):
    cara = people["cara"]
    exams.grant_attempt(uow, RULES, cara, people["boss"], "network")
    assert names(uow, training="locked") == []
    fail_rules(uow, cara, times=1)
    assert names(uow, training="locked") == ["cara"]
    exam_resets.reset_exam(uow, RULES, cara, people["boss"], "start over", NOW)
    assert names(uow, training="locked") == []
    fail_rules(uow, cara, times=2)
    assert names(uow, training="locked") == []  # two of three used
    attempt = exams.start_attempt(uow, CATALOG, RULES, cara, NOW)
    assert names(uow, training="locked") == []  # the last attempt is open
    version, layout = exams.attempt_exam(uow.session, attempt)
    exams.submit_attempt(uow, CATALOG, attempt.id, cara, getter(answer_values(version, layout, True)), NOW)
    assert names(uow, training="locked") == []  # passed on the last attempt
    # The SQL filter and the exam engine agree for everyone.
    for user_id in people.values():
        assert bool(exams.locked_exams(uow.session, CATALOG, user_id)) is False


def test_search_by_name_email_or_npn_prefix(uow, people):
    assert names(uow, text="ruiz") == ["ana"]
    assert names(uow, text="ANA R") == ["ana"]
    assert names(uow, text="ben@") == ["ben"]
    assert names(uow, text="4567") == []  # NPNs match from their start (3456789 does not)
    assert names(uow, text="3456") == ["cara"]
    assert names(uow, text="%") == []  # a wildcard is a character like any other


def test_rows_say_what_the_table_shows(uow, people):
    page = people_page(uow.session, CATALOG, PROGRAM, PeopleFilter())
    rows = {row.user.email.split("@")[0]: row for row in page.rows}
    assert (rows["ana"].training, rows["ana"].percent, rows["ana"].track.key) == ("done", 100, "py2030/core")
    assert (rows["cara"].training, rows["cara"].percent) == ("locked", 0)
    assert (rows["ben"].training, rows["ben"].percent) == ("in_progress", 33)  # 1 of 2 modules, 0 of 1 exam
    assert rows["dan"].training == "not_started" and rows["dan"].npn_words == "No NPN"
    assert rows["eve"].npn_words == "Licence inactive"
    assert [(cell.title, cell.status) for cell in rows["eve"].registrations] == [
        ("Individual Marketplace", "lapsed"), ("SHOP", "incomplete")]
    assert rows["ben"].last_activity == NOW + dt.timedelta(days=2)
    assert rows["cara"].last_activity is not None  # her own audited attempts
    assert rows["dan"].last_activity is None


def test_sorting_and_paging_happen_in_the_database(uow, people):
    assert names(uow, sort="email") == ["ana", "ben", "cara", "dan", "eve"]
    assert names(uow, sort="email", descending=True) == ["eve", "dan", "cara", "ben", "ana"]
    assert names(uow, sort="npn") == ["ana", "ben", "cara", "eve", "dan"]
    assert names(uow, sort="activity", descending=True)[:2] == ["ben", "cara"]
    with uow.write() as session:
        for number in range(PAGE_SIZE + 3):
            add_person(session, f"bulk{number:03}@example.com", "Bulk", f"Person{number:03}",
                       created=NOW + dt.timedelta(minutes=number))
    first = people_page(uow.session, CATALOG, PROGRAM, PeopleFilter(text="bulk", sort="created"))
    second = people_page(uow.session, CATALOG, PROGRAM, PeopleFilter(text="bulk", sort="created", page=2))
    beyond = people_page(uow.session, CATALOG, PROGRAM, PeopleFilter(text="bulk", sort="created", page=99))
    assert (first.total, first.pages, len(first.rows), len(second.rows)) == (PAGE_SIZE + 3, 2, PAGE_SIZE, 3)
    assert first.rows[0].user.email == "bulk000@example.com"
    assert [row.user.email for row in second.rows] == [f"bulk{n:03}@example.com" for n in range(50, 53)]
    assert beyond.filter.page == 2 and (beyond.first_shown, beyond.last_shown) == (51, 53)


def test_the_query_string_is_read_leniently_and_written_back():
    chosen = PeopleFilter.from_args({"q": " ruiz ", "role": "root", "npn": "invalid", "training": "bogus",
                                     "sort": "activity", "order": "desc", "page": "²"})
    assert (chosen.text, chosen.role, chosen.npn, chosen.training, chosen.sort, chosen.descending, chosen.page) == \
        ("ruiz", "learner", "invalid", "", "activity", True, 1)
    assert chosen.args(page=3) == {"q": "ruiz", "role": "learner", "npn": "invalid", "sort": "activity",
                                   "order": "desc", "page": "3"}
    assert PeopleFilter.from_args(chosen.args(page=3)) == PeopleFilter(
        text="ruiz", npn="invalid", sort="activity", descending=True, page=3)


@pytest.mark.parametrize("grading, locked", [("highest", False), ("first", False), ("last", True), ("average", True)])
def test_locked_out_follows_the_grading_method_as_the_exam_engine_does(uow, tmp_path, grading, locked):
    from lms.content import load_catalog
    from tests.support.player_tree import RULES_EXAM, write_player_tree

    catalog = load_catalog(write_player_tree(tmp_path, {
        "quizzes/py2030/core/rules.yaml": RULES_EXAM.replace("grading: highest", f"grading: {grading}")}))
    exam = catalog.exams["py2030/core/rules"]
    with uow.write() as session:
        user_id = add_person(session, "graded@example.com", "Gus", "Grade", "7777777", "valid")
    for right in (True, False, False):  # 100%, then 0% twice: all three attempts used
        attempt = exams.start_attempt(uow, catalog, exam, user_id, NOW)
        version, layout = exams.attempt_exam(uow.session, attempt)
        exams.submit_attempt(uow, catalog, attempt.id, user_id, getter(answer_values(version, layout, right)), NOW)
    assert bool(exams.locked_exams(uow.session, catalog, user_id)) is locked
    page = people_page(uow.session, catalog, catalog.programs["py2030"], PeopleFilter(training="locked"))
    assert [row.user.id for row in page.rows] == ([user_id] if locked else [])
