"""The Registration Completion List as CSV: memory stays flat however long the list (figures, not a test).

Builds SQLite databases with 10,000 and 100,000 completed agents, downloads the CSV through the app
(the streamed response is read in chunks, as a browser would), and reports the time and the peak
Python memory allocated while streaming (tracemalloc) for each size.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from lms import migrate  # noqa: E402
from lms.app import create_app  # noqa: E402
from lms.models import AgentProfile, RegistrationCompletion, User  # noqa: E402

NOW = dt.datetime(2021, 9, 15, tzinfo=dt.UTC)


def populate(app, count: int) -> None:
    database = app.extensions["lms.db"]
    with database.unit_of_work() as uow, uow.write() as session:
        for start in range(0, count, 5000):
            ids = range(start + 1, min(count, start + 5000) + 1)
            session.execute(insert(User), [{"id": i, "email": f"agent{i}@bench.example", "password_hash": "x",
                                            "role": "learner", "auth_version": 1, "created_at": NOW} for i in ids])
            session.execute(insert(AgentProfile), [
                {"user_id": i, "first_name": "Agent", "last_name": f"Number {i}", "npn": str(1_000_000 + i),
                 "is_business_entity": False, "resident_state": "TX", "sell_states": "TX", "phone": "",
                 "npn_status": "valid", "updated_at": NOW} for i in ids])
            session.execute(insert(RegistrationCompletion), [
                {"user_id": i, "program_key": "py2022", "registration_key": "individual", "npn": str(1_000_000 + i),
                 "completed_at": NOW, "lapse_reason": ""} for i in ids])


def measure(count: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/rcl.db"
        migrate.upgrade(url)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench", "TODAY": "2021-09-15"})
        populate(app, count)
        client = app.test_client()
        tracemalloc.start()
        started = time.perf_counter()
        response = client.get("/rcl/py2022.csv", buffered=False)
        lines = sum(chunk.count(b"\n") for chunk in response.iter_encoded())
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        response.close()
        app.extensions["lms.db"].dispose()
        assert lines == count + 1, lines
        return seconds, peak / 1024 / 1024, lines


def main() -> None:
    print("Registration Completion List CSV (SQLite, streamed):")
    results = {count: measure(count) for count in (10_000, 100_000)}
    for count, (seconds, peak, lines) in results.items():
        print(f"  {count:>7,} agents: {seconds:5.2f} s, {lines - 1:,} rows, peak Python memory while streaming "
              f"{peak:5.1f} MiB")
    small, large = results[10_000][1], results[100_000][1]
    print(f"  memory for 10x the rows: {large / small:.2f}x (flat means about 1x)")


if __name__ == "__main__":
    main()
