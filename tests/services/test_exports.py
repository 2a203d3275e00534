"""Exports read by keyset: every row once across pages and batches, filters in SQL, no query per row."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import event, select

from lms import events
from lms.models import AgentProfile, Attempt, Certificate, ExamVersion, RegistrationCompletion, User
from lms.services import export_base, exports
from lms.services.errors import RuleError
from tests.support.player_tree import player_catalog

CATALOG = player_catalog()
PROGRAM = CATALOG.programs["py2030"]
EXAM = "py2030/core/rules"
AT = dt.datetime(2029, 9, 1, 12, 0, tzinfo=dt.UTC)


def seed(uow, agents: int = 7) -> dict[str, int]:
    """An admin and `agents` agents with profiles; each agent made one attempt; two completed a registration."""
    assert agents >= 3
    with uow.write() as session:
        # Rows made directly: nobody signs in here, so no password needs hashing.
        users = [User(email="boss@example.com", password_hash="-", role="admin", email_confirmed_at=AT),
                 *(User(email=f"agent{n}@example.com", password_hash="-", email_confirmed_at=AT)
                   for n in range(agents))]
        session.add_all(users)
        session.flush()
        ids = {"admin": users[0].id, **{f"agent{n}": user.id for n, user in enumerate(users[1:])}}
        for user in users:
            events.emit(session, "account.created", actor_id=None, subject_user_id=user.id)
    with uow.write() as session:
        session.add(ExamVersion(content_hash="a" * 64, exam_key=EXAM, snapshot={}))
        session.flush()
        for number in range(agents):
            user_id = ids[f"agent{number}"]
            first = "=HYPERLINK(\"http://x\")" if number == 0 else f"Ann{number}"
            session.add(AgentProfile(user_id=user_id, first_name=first, last_name="Lee", npn=str(1000 + number),
                                     npn_status="valid", resident_state="AZ", sell_states="AZ,CA", phone=""))
            session.add(Attempt(user_id=user_id, exam_key=EXAM, number=1, content_hash="a" * 64, seed=1,
                                status="submitted", started_at=AT, submitted_at=AT, points=3.0, max_points=6.0,
                                percent=50.0 + number, passed=number >= 3, timed_out=False))
        session.add(RegistrationCompletion(user_id=ids["agent1"], program_key="py2030", registration_key="individual",
                                           npn="1001", completed_at=AT))
        session.add(RegistrationCompletion(user_id=ids["agent2"], program_key="py2030", registration_key="individual",
                                           npn="1002", completed_at=AT, lapsed_at=AT, lapse_reason="NPN inactive"))
        session.add(Certificate(code="CERT1", user_id=ids["agent1"], program_key="py2030",
                                registration_key="individual", issued_at=AT))
        events.emit(session, "identity.attested", actor_id=ids["admin"], subject_user_id=ids["agent1"],
                    reason="Seen in person")
    return ids


def every_page(export, session, filters, limit: int) -> list[list[int]]:
    """The ids of each page, following next_cursor from the first page to the last."""
    pages, cursor = [], None
    while True:
        args = {"limit": [str(limit)], **({"cursor": [cursor]} if cursor else {})}
        page = export.page(session, filters, args)
        pages.append([row[export.fields[0].name] for row in page.rows])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("name", ["people", "scores", "completions", "audit-log"])
def test_pages_follow_the_cursor_with_every_row_once_in_order(uow, name):
    seed(uow)
    export = exports.definitions(CATALOG, PROGRAM)[name]
    everything = [row[export.fields[0].name] for row in export.stream(uow.session, export.filters({}))]
    assert everything and everything == sorted(set(everything))
    pages = every_page(export, uow.session, export.filters({}), limit=2)
    assert [key for page in pages for key in page] == everything
    assert all(len(page) == 2 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 2


def test_people_filters_are_the_people_lists_and_registrations_are_reported(uow):
    ids = seed(uow)
    people = exports.definitions(CATALOG, PROGRAM)["people"]
    agents = list(people.stream(uow.session, people.filters({})))
    assert [row["email"] for row in agents] == [f"agent{n}@example.com" for n in range(7)]  # agents by default
    one = next(row for row in agents if row["user_id"] == ids["agent1"])
    assert (one["registration_individual"], one["registration_shop"], one["sell_states"], one["phone"]) == (
        "complete", "incomplete", ["AZ", "CA"], None)
    assert next(r for r in agents if r["user_id"] == ids["agent2"])["registration_individual"] == "lapsed"
    chosen = people.filters({"registration": ["individual:complete"]})
    assert [row["user_id"] for row in people.stream(uow.session, chosen)] == [ids["agent1"]]
    chosen = people.filters({"role": ["admin"]})
    assert [row["email"] for row in people.stream(uow.session, chosen)] == ["boss@example.com"]
    chosen = people.filters({"q": ["ann4"]})
    assert [row["user_id"] for row in people.stream(uow.session, chosen)] == [ids["agent4"]]


def test_score_completion_and_audit_filters(uow):
    ids = seed(uow)
    found = exports.definitions(CATALOG, PROGRAM)

    def keys(name: str, **args: str) -> list[int]:
        export = found[name]
        filters = export.filters({key: [value] for key, value in args.items()})
        return [row[export.fields[0].name] for row in export.stream(uow.session, filters)]

    attempt = uow.session.scalar(select(Attempt.id).where(Attempt.user_id == ids["agent5"]))
    assert keys("scores", user_id=str(ids["agent5"])) == [attempt]
    assert len(keys("scores", program="py2030", exam=EXAM, status="submitted")) == 7
    assert keys("scores", exam="py2030/core/nothing") == [] and keys("scores", status="in_progress") == []
    assert len(keys("completions", program="py2030")) == 2 and len(keys("completions", status="lapsed")) == 1
    assert keys("completions", registration="shop") == []
    assert len(keys("audit-log", action="identity.attested", actor_id=str(ids["admin"]))) == 1
    audit = found["audit-log"]
    about = audit.stream(uow.session, audit.filters({"subject_user_id": [str(ids["agent1"])]}))
    assert [(row["action"], row["subject_email"]) for row in about] == [
        ("account.created", "agent1@example.com"), ("identity.attested", "agent1@example.com")]


def test_a_scores_row_carries_the_exam_title_and_the_person(uow):
    ids = seed(uow)
    scores = exports.definitions(CATALOG, PROGRAM)["scores"]
    row = next(r for r in scores.stream(uow.session, {}) if r["user_id"] == ids["agent4"])
    assert {key: row[key] for key in ("email", "first_name", "npn", "exam", "exam_title", "attempt", "percent",
                                      "passed", "status", "reset_at")} == {
        "email": "agent4@example.com", "first_name": "Ann4", "npn": "1004", "exam": EXAM, "exam_title": "Rules exam",
        "attempt": 1, "percent": 54.0, "passed": True, "status": "submitted", "reset_at": None}
    assert scores.as_json(row)["started_at"] == "2029-09-01T12:00:00+00:00"


def test_a_completion_row_carries_its_certificate_and_lapse(uow):
    ids = seed(uow)
    completions = exports.definitions(CATALOG, PROGRAM)["completions"]
    rows = {row["user_id"]: row for row in completions.stream(uow.session, {})}
    assert (rows[ids["agent1"]]["certificate_code"], rows[ids["agent1"]]["lapsed_at"]) == ("CERT1", None)
    assert (rows[ids["agent2"]]["certificate_code"], rows[ids["agent2"]]["lapse_reason"]) == (None, "NPN inactive")


def test_csv_has_a_header_and_keeps_typed_text_from_running_as_a_formula(uow):
    ids = seed(uow)
    people = exports.definitions(CATALOG, PROGRAM)["people"]
    rows = list(csv.DictReader(io.StringIO("".join(people.csv_lines(uow.session, people.filters({}))))))
    assert list(rows[0]) == [field.name for field in people.fields]
    first = next(row for row in rows if row["user_id"] == str(ids["agent0"]))
    assert first["first_name"] == "'=HYPERLINK(\"http://x\")"
    assert (first["business_entity"], first["sell_states"], first["email_confirmed_at"]) == (
        "no", "AZ,CA", "2029-09-01T12:00:00+00:00")
    audit = exports.definitions(CATALOG, PROGRAM)["audit-log"]
    [entry] = [row for row in csv.DictReader(io.StringIO("".join(audit.csv_lines(uow.session, {}))))
               if row["action"] == "identity.attested"]
    assert (entry["actor_email"], entry["details"]) == ("boss@example.com", '{"reason": "Seen in person"}')


def test_streams_read_in_batches_with_no_query_per_row(uow, monkeypatch):
    seed(uow)
    monkeypatch.setattr(export_base, "STREAM_BATCH", 3)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    found = exports.definitions(CATALOG, PROGRAM)
    engine = uow.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for name, per_batch in (("people", 2), ("scores", 1), ("completions", 1), ("audit-log", 1)):
            statements.clear()
            rows = len(list(found[name].stream(uow.session, found[name].filters({}))))
            batches = rows // 3 + 1  # the last batch is the one that comes back short
            selects = [text for text in statements if text.lstrip().upper().startswith("SELECT")]
            assert len(selects) == batches * per_batch - (per_batch - 1) * (rows % 3 == 0), (name, rows, selects)
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize(("args", "message"), [
    ({"role": ["nobody"]}, "role must be one of"), ({"role": ["admin", "learner"]}, "at most once"),
    ({"q": ["x" * 201]}, "at most 200"), ({"training": [""]}, "training must be one of")])
def test_a_filter_outside_its_choices_is_refused_not_ignored(args, message):
    with pytest.raises(RuleError, match=message):
        exports.definitions(CATALOG, PROGRAM)["people"].filters(args)


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "abc", "", "1001", "2 "])
def test_limits_must_be_whole_numbers_from_1_to_1000(uow, value):
    with pytest.raises(RuleError, match="limit must be a whole number from 1 to 1000"):
        exports.definitions(CATALOG, PROGRAM)["audit-log"].page(uow.session, {}, {"limit": [value]})


def test_a_cursor_past_the_end_gives_an_empty_last_page(uow):
    seed(uow)
    page = exports.definitions(CATALOG, PROGRAM)["scores"].page(uow.session, {}, {"cursor": ["999999999999"]})
    assert (page.rows, page.next_cursor) == ([], None)
