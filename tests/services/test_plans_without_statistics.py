"""A page's read of one agent's rows reaches only that agent's rows, even before PostgreSQL has statistics.

A new site, a bulk import, or a server with autovacuum off has no statistics on its tables, and the
planner then costs an index on the exam's (or program's, or agreement's) key the same as the one on
the agent. Taking the key's index read every agent's attempts at the exam on every module page.
Here 300 agents each have one row in every table, no table was ever analysed, and each hot read is
planned with its values as a page would run it: no scan may read more than the agent's own row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.dialects import postgresql

from lms import migrate
from lms.driver_query import DriverQuery, _compile
from lms.services import acceptances, attempt_page, exam_start, module_page, programs, registration, standings

AGENTS = 300
NOT_ANALYSED = ("users", "attempts", "registration_completions", "track_completions", "agreement_acceptances",
                "module_progress", "exam_versions", "user_sessions")


@pytest.fixture(scope="module")
def unanalysed_url(postgres_url) -> Iterator[str]:
    """A throw-away database migrated to head, holding AGENTS agents, with autovacuum kept off its tables."""
    name = f"lms_plans_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        migrate.upgrade(url)
        with engine.begin() as connection:
            for table in NOT_ANALYSED:
                connection.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
            connection.execute(text(
                "INSERT INTO exam_versions (content_hash, exam_key, snapshot, created_at) "
                "VALUES ('version', 'exam', '{}', now())"))
            connection.execute(text(
                "INSERT INTO users (email, password_hash, role, auth_version, created_at) "
                f"SELECT 'agent' || n || '@example.com', 'hash', 'learner', 1, now() FROM generate_series(1, {AGENTS}) n"))
            connection.execute(text(
                "INSERT INTO attempts (user_id, exam_key, number, content_hash, seed, status, started_at, percent, "
                "answers, results, timed_out) "
                "SELECT id, 'exam', 1, 'version', id, 'submitted', now(), 90, '{}', '{}', false FROM users"))
            connection.execute(text(
                "INSERT INTO registration_completions (user_id, program_key, registration_key, completed_at) "
                "SELECT id, 'program', 'individual', now() FROM users"))
            connection.execute(text(
                "INSERT INTO track_completions (user_id, track_key, program_key, completed_at) "
                "SELECT id, 'program/track', 'program', now() FROM users"))
            connection.execute(text(
                "INSERT INTO agreement_acceptances (user_id, program_key, agreement_key, title, version, text_html, "
                "text_sha256, typed_name, accepted_at, ip_address, user_agent) "
                "SELECT id, 'program', 'agreement', 'Agreement', '1', '<p>text</p>', 'sha', 'Name', now(), "
                "'127.0.0.1', 'test' FROM users"))
            analysed = connection.scalar(text(
                "SELECT count(*) FROM pg_stats WHERE schemaname = 'public' AND tablename = ANY(:tables)"),
                {"tables": list(NOT_ANALYSED)})
            assert analysed == 0
        yield url
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _rows_read(url: str, statement: Any, params: dict[str, Any]) -> list[tuple[str, int]]:
    """Each scan of the statement's plan, run with these values, and the rows it read (kept or filtered)."""
    import psycopg

    query = statement.statement if isinstance(statement, DriverQuery) else statement
    compiled = _compile(query, postgresql.psycopg.dialect())
    values = compiled.values({name: value for name, value in params.items() if name in compiled.required})
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)) as raw:
        cursor = psycopg.ClientCursor(raw)
        plan = cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + cursor.mogrify(compiled.sql, values)).fetchone()[0]
    scans: list[tuple[str, int]] = []

    def walk(node: dict) -> None:
        if "Scan" in node["Node Type"]:
            read = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
            scans.append((f"{node['Node Type']} on {node.get('Relation Name')} by {node.get('Index Name')}", read))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return scans


def _agent(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            user_id, attempt_id = connection.execute(text(
                "SELECT users.id, attempts.id FROM users JOIN attempts ON attempts.user_id = users.id "
                "ORDER BY users.id OFFSET 150 LIMIT 1")).one()
            return user_id, attempt_id
    finally:
        engine.dispose()


HOT_READS = {
    **{f"module page ({grading})": query for grading, query in module_page._PAGE.items()},
    **{f"module page signed in ({grading})": query for grading, query in module_page._PAGE_IF_SIGNED_IN.items()},
    "exam page's attempts": standings._SUMMARIES,
    "exam page's attempts signed in": standings._SUMMARIES_IF_SIGNED_IN,
    "start": exam_start.START_FACTS,
    "attempt page": attempt_page._PAGE,
    "registration completed": programs._COMPLETED,
    "tracker's completion": registration._COMPLETION,
    "agreement accepted": acceptances._LATEST,
}


@pytest.mark.parametrize("name", HOT_READS)
def test_a_hot_read_reaches_only_the_agents_rows_without_statistics(unanalysed_url, name):
    user_id, attempt_id = _agent(unanalysed_url)
    params = {"who": user_id, "exam": "exam", "module": "program/track/module", "program": "program",
              "agreement": "agreement", "registration": "individual", "npn": "0000000", "attempt": attempt_id,
              "content_hash": "version", "claimed_user": user_id, "claimed_version": 1,
              "claimed_session": "no-such-session"}
    scans = _rows_read(unanalysed_url, HOT_READS[name], params)
    assert scans, "the plan scans nothing: the statement was not run"
    assert [scan for scan in scans if scan[1] > 1] == [], f"{name} reads other agents' rows"
