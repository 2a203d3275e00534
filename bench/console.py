"""The admin console at scale: every page and CSV export with 20,000 agents, on SQLite and PostgreSQL.

Builds each database with `lms demo`'s generator (20,000 agents at every step of the registration,
about 100,000 exam attempts with their per-question rows), signs in as an admin through the real
form, and times each console page through the Flask test client (the best of a few requests, after
one to warm up) and each CSV export streamed to its end. Then it measures the peak Python memory
each export allocates while streaming (tracemalloc) with 2,000 and with 20,000 agents: flat means
the same peak for ten times the rows. Prints figures; it is not a test. Target: every page under
0.5 s. PostgreSQL runs in a throw-away database (BENCH_PG_URL, default lms_bench_console on the
local server), created and dropped here; without a server only SQLite is measured.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from lms import migrate  # noqa: E402
from lms.app import create_app  # noqa: E402
from lms.models import RegistrationCompletion, User  # noqa: E402
from lms.services import accounts, demo, passwords  # noqa: E402
from tests.support.web import AuthActions  # noqa: E402

AGENTS = int(os.environ.get("BENCH_AGENTS", "20000"))
SMALL = AGENTS // 10
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/lms_bench_console")
TARGET_MS = 500
REPEAT = 3
PASSWORD = "bench admin passphrase"
EXAM = "py2022/marketplace/eligibility"

PAGES = [
    ("people: agents by name", "/admin/users"),
    ("people: search 'garcia'", "/admin/users?q=garcia"),
    ("people: search an NPN prefix", "/admin/users?q=9000012"),
    ("people: locked out of an exam", "/admin/users?training=locked"),
    ("people: training done, agreements missing", "/admin/users?training=agreements_missing"),
    ("people: registration complete, by last activity", "/admin/users?registration=individual:complete"
                                                          "&sort=activity&order=desc"),
    ("people: NPN invalid, identity missing", "/admin/users?npn=invalid&identity=missing"),
    ("people: page 200 by NPN", "/admin/users?sort=npn&page=200"),
    ("person page (registration complete)", "{person}"),
    ("dashboard", "/admin/stats/programs/py2022"),
    ("exam statistics and item analysis", f"/admin/stats/exams/{EXAM}"),
    ("exam attempts: newest first", f"/admin/stats/exams/{EXAM}/attempts"),
    ("exam attempts: lowest score, page 20", f"/admin/stats/exams/{EXAM}/attempts?sort=percent&dir=asc&page=20"),
    ("exam attempts: not passed, search", f"/admin/stats/exams/{EXAM}/attempts?result=failed&q=smith"),
]
EXPORTS = [
    ("export: people", "/admin/exports/people.csv"),
    ("export: scores", "/admin/exports/scores.csv"),
    ("export: completions", "/admin/exports/completions.csv"),
    ("export: audit log", "/admin/exports/audit-log.csv"),
    ("export: exam attempts", f"/admin/stats/exams/{EXAM}/attempts.csv"),
]


def build(url: str, count: int):
    """A migrated database holding an admin and `count` demo agents; the app and a signed-in client."""
    migrate.upgrade(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench"})
    database = app.extensions["lms.db"]
    with database.unit_of_work() as uow:
        admin = accounts.create_account(uow, "admin@bench.example", PASSWORD, role="admin")
        started = time.perf_counter()
        report = demo.generate(uow, app.extensions["lms.catalog"].catalog, count=count, seed=2022,
                               now=dt.datetime.now(dt.UTC), password_hash=passwords.hash_password(PASSWORD),
                               admin_id=admin.id)
        seconds = time.perf_counter() - started
    print(f"  {count:,} agents, {report.attempts:,} attempts, {report.completions:,} completions, "
          f"{report.audit_entries:,} audit entries written in {seconds:.0f} s", flush=True)
    client = app.test_client()
    response = AuthActions(client).sign_in("admin@bench.example", PASSWORD)
    assert response.status_code == 302, response.status_code
    return app, client


def person_path(app) -> str:
    with app.extensions["lms.db"].reading() as session:
        user_id = session.scalar(select(RegistrationCompletion.user_id).order_by(RegistrationCompletion.id).limit(1))
        assert session.get(User, user_id) is not None
    return f"/admin/users/{user_id}"


def page_ms(client, path: str) -> float:
    client.get(path)  # warm: templates compiled, statements cached
    best = float("inf")
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(path)
        best = min(best, time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return best * 1000


def stream(client, path: str) -> int:
    response = client.get(path, buffered=False)
    assert response.status_code == 200, (path, response.status_code)
    lines = sum(chunk.count(b"\n") for chunk in response.iter_encoded())
    response.close()
    return lines


def export_ms(client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    lines = stream(client, path)
    return (time.perf_counter() - started) * 1000, lines - 1


def export_peak_mib(client, path: str) -> float:
    tracemalloc.start()
    stream(client, path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024 / 1024


def measure(small_url: str, url: str) -> dict[str, object]:
    """Times of every page and export at AGENTS, and each export's peak memory at SMALL and at AGENTS."""
    found: dict[str, object] = {}
    app, client = build(small_url, SMALL)
    small = {name: export_peak_mib(client, path) for name, path in EXPORTS}
    app.extensions["lms.db"].dispose()
    app, client = build(url, AGENTS)
    pages = [(name, path.format(person=person_path(app))) for name, path in PAGES]
    for name, path in pages:
        found[name] = page_ms(client, path)
    for name, path in EXPORTS:
        ms, rows = export_ms(client, path)
        found[name] = (ms, rows, small[name], export_peak_mib(client, path))
    app.extensions["lms.db"].dispose()
    return found


def _admin_engine(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def create_database(url: str) -> None:
    engine = _admin_engine(url)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{make_url(url).database}"'))
    engine.dispose()


def drop_database(url: str) -> None:
    engine = _admin_engine(url)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def postgres_available() -> bool:
    try:
        engine = _admin_engine(PG_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception as error:  # no server: SQLite alone is measured
        print(f"PostgreSQL not reachable ({type(error).__name__}); measuring SQLite only.")
        return False


def main() -> None:
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite:", flush=True)
        results["SQLite"] = measure(f"sqlite:///{folder}/small.db", f"sqlite:///{folder}/console.db")
    if postgres_available():
        print("PostgreSQL:", flush=True)
        base = make_url(PG_URL)
        urls = [base.set(database=f"{base.database}_small").render_as_string(hide_password=False), PG_URL]
        for url in urls:
            drop_database(url)
            create_database(url)
        try:
            results["PostgreSQL"] = measure(*urls)
        finally:
            for url in urls:
                drop_database(url)
    report(results)


def report(results: dict[str, dict[str, object]]) -> None:
    kinds = list(results)
    print(f"\nAdmin console with {AGENTS:,} agents (best of {REPEAT}; target {TARGET_MS} ms a page):")
    print(f"  {'page':<50}" + "".join(f"{kind + ' ms':>16}" for kind in kinds) + "  target")
    for name, _ in PAGES:
        times = [float(results[kind][name]) for kind in kinds]  # type: ignore[arg-type]
        met = "met" if max(times) < TARGET_MS else "MISSED"
        print(f"  {name:<50}" + "".join(f"{ms:>16.0f}" for ms in times) + f"  {met}")
    print(f"\nCSV exports streamed to the end; peak Python memory while streaming, {SMALL:,} -> {AGENTS:,} agents:")
    for name, _ in EXPORTS:
        cells = []
        for kind in kinds:
            ms, rows, small, large = results[kind][name]  # type: ignore[misc]
            cells.append(f"{kind}: {ms / 1000:5.1f} s, {rows:>7,} rows, {small:4.1f} -> {large:4.1f} MiB")
        print(f"  {name:<22}" + "   ".join(cells))


if __name__ == "__main__":
    main()
