"""The identity read on the driver's cursor (db.DriverQuery): the same answer as SQLAlchemy's path, and a
connection the database server dropped (pooled, or kept between requests) is replaced instead of failing
the requests after it; writes on the driver store what SQLAlchemy would."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import create_engine, text

from lms.db import Database
from lms.services import accounts, sessions
from tests.support.apps import TEST_PASSWORD, truncate_all


def test_the_identity_read_answers_as_before(uow):
    user = accounts.create_account(uow, "who@example.com", TEST_PASSWORD)
    session_id = sessions.start(uow, user.id, "test")
    found = sessions.identity_for(uow, f"{user.id}:{user.auth_version}", session_id)
    assert (found.id, found.role, found.auth_version) == (user.id, user.role, user.auth_version)
    assert sessions.identity_for(uow, f"{user.id}:{user.auth_version + 1}", session_id) is None
    assert sessions.identity_for(uow, f"{user.id}:{user.auth_version}", "another") is None
    sessions.end(uow, session_id)
    assert sessions.identity_for(uow, f"{user.id}:{user.auth_version}", session_id) is None


@contextlib.contextmanager
def _signed_in_agent(postgres_url: str, email: str, pool_size: int):
    """(database, an admin engine to drop its connections, login id, session id, user id)."""
    truncate_all(postgres_url)
    database = Database(postgres_url, pool_size=pool_size, max_overflow=0)
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with database.unit_of_work() as uow:
            user = accounts.create_account(uow, email, TEST_PASSWORD)
            session_id = sessions.start(uow, user.id, "test")
        yield database, admin, f"{user.id}:{user.auth_version}", session_id, user.id
    finally:
        admin.dispose()
        database.dispose()


def _drop(admin, backend: int) -> None:
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})


def _answers_again(database, login: str, session_id: str, user_id: int) -> None:
    for _ in range(2):  # the dropped connection was replaced, not handed out again
        with database.unit_of_work() as uow:
            assert sessions.identity_for(uow, login, session_id).id == user_id


def test_a_connection_the_server_dropped_fails_one_request_only(postgres_url):
    # The write connection the main thread keeps holds one of the two: the pool has one to hand out.
    with _signed_in_agent(postgres_url, "dropped@example.com", pool_size=2) as (database, admin, login, session_id,
                                                                                  user_id):
        with database.unit_of_work() as uow:  # the request during which the server drops the connection
            _drop(admin, uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one())
            with pytest.raises(Exception, match="terminat|lost|closed"):
                sessions.identity_for(uow, login, session_id)
        _answers_again(database, login, session_id, user_id)


def test_a_kept_connection_the_server_dropped_between_requests_fails_one_request_only(postgres_url):
    with _signed_in_agent(postgres_url, "kept@example.com", pool_size=3) as (database, admin, login, session_id,
                                                                               user_id):
        with database.unit_of_work() as uow:  # the reads connection the main thread keeps from now on
            backend = uow.connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        _drop(admin, backend)
        with pytest.raises(Exception, match="terminat|lost|closed"), database.unit_of_work() as uow:
            sessions.identity_for(uow, login, session_id)
        _answers_again(database, login, session_id, user_id)



def test_a_kept_write_connection_the_server_dropped_fails_one_write_only(postgres_url):
    with _signed_in_agent(postgres_url, "writes@example.com", pool_size=3) as (database, admin, login, session_id,
                                                                                 user_id):
        with database.unit_of_work() as uow, uow.write_rows() as connection:  # kept for the next write
            backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        _drop(admin, backend)
        with pytest.raises(Exception, match="terminat|lost|closed"), database.unit_of_work() as uow:
            sessions.end(uow, session_id)
        _answers_again(database, login, session_id, user_id)  # the failed sign-out changed nothing
        with database.unit_of_work() as uow:
            sessions.end(uow, session_id)
        with database.unit_of_work() as uow:
            assert sessions.identity_for(uow, login, session_id) is None

def test_rows_come_back_as_sqlalchemy_gives_them(uow):
    """Aware datetimes, JSON as values, numerics, booleans and literals written into the statement."""
    import datetime as dt

    from sqlalchemy import bindparam, insert, select

    from lms.driver_query import DriverQuery
    from lms.models import Attempt
    from lms.services.exam_versions import ensure_version
    from tests.support.player_tree import player_catalog

    exam = player_catalog().exams["py2030/core/rules"]
    user = accounts.create_account(uow, "rows@example.com", TEST_PASSWORD)
    started = dt.datetime(2029, 9, 1, 12, 30, 5, tzinfo=dt.UTC)
    with uow.write() as session:
        ensure_version(session, exam)
        session.execute(insert(Attempt), [
            {"user_id": user.id, "exam_key": exam.key, "number": number, "content_hash": exam.content_hash, "seed": 7,
             "status": status, "started_at": started + dt.timedelta(minutes=number), "answers": {"q1": ["b", "c"]},
             "timed_out": False, "results": {}, "percent": percent, "passed": percent == 90.5}
            for number, status, percent in ((1, "submitted", 40.25), (2, "submitted", 90.5), (3, "in_progress", None))])
    statement = (select(Attempt.number, Attempt.started_at, Attempt.answers, Attempt.percent, Attempt.passed,
                        Attempt.submitted_at)
                 .where(Attempt.user_id == bindparam("who"), Attempt.status == "submitted",
                        Attempt.started_at >= bindparam("since"))
                 .order_by(Attempt.number))
    # The instant between the first and second attempts, given in another zone: only converted to UTC
    # (as the column type's bind processing does) does it compare right with what SQLite stores.
    since = (started + dt.timedelta(minutes=1, seconds=30)).astimezone(dt.timezone(dt.timedelta(hours=-5)))
    params = {"who": user.id, "since": since}
    expected = [tuple(row) for row in uow.connection.execute(statement, params)]
    query = DriverQuery(statement)
    for _ in range(2):  # compiled on the first run, reused on the second
        found = query.all(uow.connection, params)
        assert [tuple(row) for row in found] == expected
    assert len(expected) == 1 and expected[0][1] == started + dt.timedelta(minutes=2)
    assert found[0].answers == {"q1": ["b", "c"]} and found[0].passed is True and found[0].submitted_at is None
    assert query.first(uow.connection, {"who": user.id + 1, "since": started}) is None
    with pytest.raises(KeyError, match="since"):
        query.all(uow.connection, {"who": user.id})
    with pytest.raises(ValueError, match="IN lists"):
        DriverQuery(select(Attempt.id).where(Attempt.status.in_(["a", "b"]))).all(uow.connection, {})


def test_statements_one_after_another_on_a_connection_each_answer_their_own(uow):
    """A driver statement's rows are its own: not what an earlier one left unread (`first` reads one row of
    several), nor lost after an earlier statement failed in the same transaction and it was rolled back."""
    from sqlalchemy import bindparam, select

    from lms.driver_query import DriverQuery, DriverWrite
    from lms.models import User

    ids = [accounts.create_account(uow, f"row{number}@example.com", TEST_PASSWORD).id for number in range(3)]
    emails = DriverQuery(select(User.id, User.email).where(User.id >= bindparam("lowest")).order_by(User.id))
    assert emails.first(uow.connection, {"lowest": ids[0]}).id == ids[0]  # two rows left unread
    assert [row.email for row in emails.all(uow.connection, {"lowest": ids[1]})] == ["row1@example.com",
                                                                                    "row2@example.com"]
    renamed = DriverWrite(User.__table__.update().where(User.id == bindparam("who")).values(
        email=bindparam("new_email")))
    with pytest.raises(Exception, match="(?i)unique|duplicate"), uow.write_rows() as connection:
        renamed.run(connection, {"who": ids[0], "new_email": "row2@example.com"})
    with uow.write_rows() as connection:
        assert renamed.run(connection, {"who": ids[0], "new_email": "first@example.com"}) == 1
        assert emails.first(connection, {"lowest": ids[0]}).email == "first@example.com"
    assert [row.email for row in emails.all(uow.connection, {"lowest": ids[0]})] == [
        "first@example.com", "row1@example.com", "row2@example.com"]


def test_many_rows_written_at_once_keep_their_values_and_defaults(uow):
    """PostgreSQL takes the rows as one INSERT from one JSON text, whatever their number: every row lands
    with its own values and its own defaults (a JSON payload, a time), as SQLite's executemany writes them."""
    import datetime as dt

    from sqlalchemy import insert, select

    from lms.driver_query import DriverWrite
    from lms.models import OutboxEvent

    event = DriverWrite(insert(OutboxEvent))
    before, sizes = dt.datetime.now(dt.UTC), (1, 5, 150)
    for size in sizes:
        with uow.write() as session:
            event.run_many(session.connection(), [{"name": f"{size}-{n}", "payload": {"n": n}} for n in range(size)])
    flagged = DriverWrite(insert(OutboxEvent).values(fanned_out=True))  # a value of its own: rows go one by one
    with uow.write() as session:
        flagged.run_many(session.connection(), [{"name": "flagged", "payload": {"n": n}} for n in range(2)])
    rows = uow.connection.execute(select(OutboxEvent.name, OutboxEvent.payload, OutboxEvent.fanned_out,
                                         OutboxEvent.created_at).order_by(OutboxEvent.id)).all()
    assert [tuple(row[:3]) for row in rows] == [(f"{size}-{n}", {"n": n}, False)
                                                for size in sizes for n in range(size)] + [
        ("flagged", {"n": 0}, True), ("flagged", {"n": 1}, True)]
    assert all(before <= row.created_at <= dt.datetime.now(dt.UTC) for row in rows)


def test_rows_mixing_whole_numbers_floats_and_nulls_are_written_as_given(uow):
    """A float column given 0 in one row and 0.5 in the next, and an integer column given NULL, a small
    number and one past 32 bits, all land as given (PostgreSQL: in one JSON text, read by the columns' types)."""
    from sqlalchemy import BigInteger, Column, Float, Integer, MetaData, String, Table, insert, select

    from lms.driver_query import DriverWrite

    table = Table("driver_write_mixed", MetaData(), Column("id", Integer, primary_key=True),
                  Column("label", String(20)), Column("points", Float), Column("picked", BigInteger))
    table.create(uow.database.engine)
    try:
        rows = [{"label": "none", "points": 0, "picked": None}, {"label": "half", "points": 0.5, "picked": 2 ** 40},
                {"label": "one", "points": 1, "picked": 1}, {"label": "null", "points": None, "picked": 0}]
        with uow.write_rows() as connection:
            DriverWrite(insert(table)).run_many(connection, rows)
        found = uow.connection.execute(select(table.c.label, table.c.points, table.c.picked).order_by(table.c.id)).all()
        assert [tuple(row) for row in found] == [("none", 0.0, None), ("half", 0.5, 2 ** 40), ("one", 1.0, 1),
                                                 ("null", None, 0)]
    finally:
        uow.close()
        table.drop(uow.database.engine)


def test_rows_and_lists_sent_as_text_arrive_as_given(postgres_url):
    """A submission's per-question rows go to PostgreSQL as one JSON text (`json_rows`) and its track's
    module keys as an array's text (`text_array`), since psycopg dumps a list in Python: keys with
    quotes, backslashes, commas, braces, spaces and accents, whole and fractional floats, NULL and an
    integer past 32 bits arrive as given, in order."""
    from sqlalchemy import BigInteger, Column, Float, MetaData, String, Table, Text, bindparam, cast, func, select
    from sqlalchemy.dialects import postgresql

    from lms.driver_query import DriverQuery, json_rows, rows_as_json, text_array

    table = Table("driver_text_rows", MetaData(), Column("label", String(40)), Column("points", Float),
                  Column("picked", BigInteger))
    awkward = ['plain', 'with "quotes"', "back\\slash", "a,b {c}", "NULL", " spaced ", "café ünï", ""]
    rows = [{"label": label, "points": [0, 0.5, 1, 2.25, 1e-9, 3, 0.1, 7][n],
             "picked": [None, 2 ** 40, 0, 1, None, 2 ** 62 - 1, 5, 6][n], "ignored": object()}
            for n, label in enumerate(awkward)]
    given = json_rows(table, ("label", "points", "picked"), "rows")
    rows_query = DriverQuery(select(given.c.label, given.c.points, given.c.picked))
    keys = func.unnest(cast(bindparam("keys", type_=Text), postgresql.ARRAY(String))).table_valued("key").render_derived()
    keys_query = DriverQuery(select(keys.c.key))
    database = Database(postgres_url, pool_size=1, max_overflow=0)
    try:
        with database.unit_of_work() as uow:
            found = rows_query.all(uow.connection, {"rows": rows_as_json(rows, ("label", "points", "picked"))})
            assert [tuple(row) for row in found] == [(row["label"], float(row["points"]), row["picked"])
                                                     for row in rows]
            listed = keys_query.all(uow.connection, {"keys": text_array(tuple(awkward))})
            assert [row.key for row in listed] == awkward
            assert keys_query.all(uow.connection, {"keys": text_array(())}) == []
    finally:
        database.dispose()


def test_rows_of_any_number_and_pattern_share_one_prepared_statement(postgres_url):
    """psycopg prepares a statement on its fifth run with the same SQL and parameter types. Rows as
    `VALUES (…), (…)` were a statement per row count and per pattern of NULLs and number sizes, so a
    submission's per-question rows were parsed and planned anew in about half its runs."""
    from sqlalchemy import insert

    from lms.driver_query import DriverWrite
    from lms.models import OutboxEvent

    database = Database(postgres_url, pool_size=1, max_overflow=0)
    event = DriverWrite(insert(OutboxEvent))
    try:
        for count in range(1, 9):
            with database.unit_of_work() as uow, uow.write_rows() as connection:
                event.run_many(connection, [{"name": f"prepared-{count}-{n}", "payload": {"n": n * 10 ** count}}
                                            for n in range(count)])
        with database.unit_of_work() as uow, uow.write_rows() as connection:
            prepared = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO outbox_events%%'")
            assert prepared.scalar_one() == 1
    finally:
        database.dispose()


def test_writes_on_the_driver_store_what_sqlalchemy_would(uow):
    """Inserted and updated rows read back the same: defaults filled, JSON and times converted, rows counted."""
    import datetime as dt

    from sqlalchemy import bindparam, insert, select, update

    from lms.driver_query import DriverWrite
    from lms.models import OutboxEvent

    at = dt.datetime(2029, 9, 1, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))  # 12:30 UTC
    event = DriverWrite(insert(OutboxEvent))
    rename = DriverWrite(update(OutboxEvent).where(OutboxEvent.name == bindparam("old")))
    before = dt.datetime.now(dt.UTC)
    with uow.write() as session:
        connection = session.connection()
        event.run(connection, {"name": "one", "payload": {"n": [1, 2]}})  # created_at and fanned_out: defaults
        event.run_many(connection, [{"name": "many", "payload": {}, "created_at": at},
                                    {"name": "many", "payload": {"é": "ü"}, "created_at": at}])
        event.run_many(connection, [])
        assert rename.run(connection, {"old": "many", "name": "renamed", "fanned_out": True}) == 2
        assert rename.run(connection, {"old": "nothing such", "name": "renamed"}) == 0
        with pytest.raises(KeyError, match="same columns"):
            event.run_many(connection, [{"name": "a", "payload": {}}, {"name": "b"}])
        with pytest.raises(KeyError, match="old"):
            rename.run(connection, {"name": "renamed"})
    rows = uow.connection.execute(select(OutboxEvent.name, OutboxEvent.payload, OutboxEvent.fanned_out,
                                         OutboxEvent.created_at).order_by(OutboxEvent.id)).all()
    assert [tuple(row[:3]) for row in rows] == [("one", {"n": [1, 2]}, False), ("renamed", {}, True),
                                                ("renamed", {"é": "ü"}, True)]
    assert before <= rows[0].created_at <= dt.datetime.now(dt.UTC)
    assert rows[1].created_at == rows[2].created_at == dt.datetime(2029, 9, 1, 12, 30, tzinfo=dt.UTC)


def _driver_queries() -> list[tuple[str, object]]:
    """Every DriverQuery the app's modules keep (module attributes, or values of a module's dicts)."""
    import importlib
    import pkgutil

    import lms
    from lms.driver_query import DriverQuery

    found = []
    for module_info in pkgutil.walk_packages(lms.__path__, "lms."):
        if ".migrations" in module_info.name:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            values = value.items() if isinstance(value, dict) else [("", value)]
            found += [(f"{module_info.name}.{name}[{key}]", each) for key, each in values
                      if isinstance(each, DriverQuery)]
    return found


def test_every_driver_query_stays_within_what_psycopg_keeps_parsed():
    """psycopg converts a statement's SQL (finding its parameters) once and keeps it, but only for SQL of at
    most 4,096 characters sent with at most 50 parameters; past either it converts it again on every run,
    which cost a submission's one statement about 100 µs when its anonymous parameters were sent twice."""
    from sqlalchemy.dialects import postgresql

    try:  # psycopg's own limits where it still names them, else those of psycopg 3.1-3.3
        from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH, MAX_CACHED_STATEMENT_PARAMS
    except ImportError:
        MAX_CACHED_STATEMENT_LENGTH, MAX_CACHED_STATEMENT_PARAMS = 4096, 50

    from lms.driver_query import _compile

    dialect = postgresql.psycopg.dialect()
    queries = _driver_queries()
    assert len(queries) > 20  # the scan finds the hot paths' statements
    for name, query in queries:
        compiled = _compile(query.statement, dialect)
        assert len(compiled.sql) <= MAX_CACHED_STATEMENT_LENGTH, name
        assert len(compiled.required) + len(compiled.defaults) <= MAX_CACHED_STATEMENT_PARAMS, name
        assert all(f"%({param})s" in compiled.sql for param in compiled.defaults), name  # only what it names
