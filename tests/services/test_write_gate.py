"""SQLite's writers queue at a gate: the next one starts as soon as the last one ends, across processes and
threads, and a gate nobody releases never blocks a write for longer than SQLite's own lock would."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

from sqlalchemy import func, insert, select

import lms.db
from lms.db import Database, sqlite_file
from lms.models import User
from lms.services import accounts
from lms.sqlite_writes import Checkpoints, WriteGate
from tests.support.apps import TEST_PASSWORD

_fork = multiprocessing.get_context("fork")


def _hold_in_child(gate: WriteGate, ready, seconds: float, go=None) -> None:
    if go is not None:
        go.wait(5)
    with gate.held():
        ready.set()
        time.sleep(seconds)


def test_a_forked_worker_waits_for_the_gate_its_parent_holds(tmp_path):
    gate = WriteGate(str(tmp_path / "lms.db-writers"))
    with gate.held():  # the parent has its descriptor before the fork; the child must not share its lock
        pass
    ready, go = _fork.Event(), _fork.Event()
    child = _fork.Process(target=_hold_in_child, args=(gate, ready, 0, go))
    child.start()
    with gate.held():
        go.set()
        assert not ready.wait(0.3)  # the child is queued while the parent writes
    assert ready.wait(5)
    child.join(5)
    assert child.exitcode == 0


def test_the_next_writer_starts_when_the_last_one_ends(tmp_path):
    gate = WriteGate(str(tmp_path / "lms.db-writers"))
    ready = _fork.Event()
    child = _fork.Process(target=_hold_in_child, args=(gate, ready, 0.3))
    child.start()
    assert ready.wait(5)
    asked = time.monotonic()
    with gate.held():
        waited = time.monotonic() - asked
    child.join(5)
    assert 0.15 < waited < 0.3 + 0.1  # queued behind the other process, then in within a few polls


def test_threads_of_one_process_take_turns(tmp_path):
    gate, inside, most = WriteGate(str(tmp_path / "lms.db-writers")), [0], [0]

    def write() -> None:
        with gate.held():
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            time.sleep(0.01)
            inside[0] -= 1

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


def test_a_gate_never_released_delays_a_write_only_until_giving_up(sqlite_url, monkeypatch):
    database = Database(sqlite_url)
    assert database.write_gate is not None
    monkeypatch.setattr(WriteGate, "GIVE_UP_SECONDS", 0.3)
    ready = _fork.Event()
    stuck = _fork.Process(target=_hold_in_child, args=(WriteGate(database.write_gate.path), ready, 30))
    stuck.start()
    try:
        assert ready.wait(5)
        started = time.monotonic()
        with database.unit_of_work() as uow:
            accounts.create_account(uow, "gate@example.com", TEST_PASSWORD)
        assert 0.3 <= time.monotonic() - started < 5
        with database.reading() as session:
            assert session.scalar(select(func.count()).select_from(User)) == 1
    finally:
        stuck.kill()
        stuck.join()
        database.dispose()


def test_only_a_sqlite_file_has_a_gate(tmp_path):
    assert Database(f"sqlite:///{tmp_path / 'lms.db'}").write_gate.path == f"{tmp_path / 'lms.db'}-writers"
    assert Database("sqlite://").write_gate is None



def _checkpoint_threads(path: Path) -> int:
    return sum(thread.name == f"sqlite-checkpoints {path}" and thread.is_alive() for thread in threading.enumerate())


def _eventually(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_commits_leave_checkpoints_to_a_thread_that_runs_soon_after_and_ends_when_idle(sqlite_url, monkeypatch):
    monkeypatch.setattr(Checkpoints, "INTERVAL_SECONDS", 0.05)
    monkeypatch.setattr(Checkpoints, "IDLE_SECONDS", 1.0)
    database = Database(sqlite_url)
    path = Path(sqlite_file(sqlite_url) or "")
    try:
        with database.unit_of_work() as uow:
            # A request's connection never copies the log itself, however long it grows.
            assert uow.connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
            before = path.stat().st_size
            with uow.write() as session:  # some 1,500 pages: a commit would have checkpointed them itself
                session.execute(insert(User), [{"email": f"agent{i}@example.com", "password_hash": "x" * 2000,
                                                "role": "learner", "auth_version": 1} for i in range(3000)])
        # Copied into the database file by the thread, soon after the commit.
        assert _eventually(lambda: path.stat().st_size > before + 3000 * 2000)
        assert _eventually(lambda: _checkpoint_threads(path) == 0)  # and it ends once no commit comes
        with database.unit_of_work() as uow:
            accounts.create_account(uow, "later@example.com", TEST_PASSWORD)
        assert _checkpoint_threads(path) == 1  # the next commit starts one again
    finally:
        database.dispose()


def test_under_steady_writes_the_log_starts_over_instead_of_growing(sqlite_url, monkeypatch):
    # Writes land while every checkpoint copies, so a log that only ever got copied grew by all of them.
    monkeypatch.setattr(Checkpoints, "INTERVAL_SECONDS", 0.02)
    monkeypatch.setattr(Checkpoints, "RESTART_FRAMES", 100)
    monkeypatch.setattr(lms.db, "WAL_SIZE_LIMIT_BYTES", 2_000_000)
    database = Database(sqlite_url)
    log = Path(f"{sqlite_file(sqlite_url)}-wal")
    largest, stop = 0, threading.Event()

    def read_meanwhile() -> None:  # a page being read in another thread, as in a worker serving others
        while not stop.is_set():
            with database.unit_of_work() as uow:
                uow.connection.execute(select(User.id).limit(1)).first()
            time.sleep(0.001)

    reader = threading.Thread(target=read_meanwhile)
    reader.start()
    try:
        for batch in range(300):  # about 60 pages a commit: some 70 MB of log if it never started over
            with database.unit_of_work() as uow, uow.write_rows() as connection:
                connection.execute(insert(User), [{"email": f"a{batch}-{i}@example.com", "password_hash": "x" * 3000,
                                                   "role": "learner", "auth_version": 1} for i in range(60)])
            largest = max(largest, log.stat().st_size)
    finally:
        stop.set()
        reader.join()
        database.dispose()
    assert largest < 30_000_000  # about 10 MB here; 84 MB when the log never started over
