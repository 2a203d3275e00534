"""SQLite's writers: a queue in front of its write lock, and checkpoints off the request path.

Checkpoints: in WAL mode a commit appends pages to the write-ahead log, and by default the commit
that takes the log past 1,000 pages also copies the log into the database file and waits for the
disk: 80-250 µs of each submission's commit on average (profiled in-process), paid inside the
write gate, so the other worker's writes wait too. Here the app's connections never checkpoint
(`wal_autocheckpoint=0`); after a commit a thread of the same process runs a checkpoint at most
once every `INTERVAL_SECONDS`, on its own connection, while the requests go on. SQLite releases the
GIL while it copies and syncs.

A checkpoint alone never makes the log shorter: the log starts over from its beginning only when
a writer finds every page in it copied and no read still using it. Under a steady stream of writes
some always land while a checkpoint copies, so the log grew without end (1.3 GB in a one-minute
benchmark). Each checkpoint therefore has two steps: a PASSIVE one that copies the bulk while writers
go on, then, once the log holds more than `RESTART_FRAMES` pages, a RESTART one inside the write gate
that copies the few pages written meanwhile and waits (at most `RESTART_WAIT_MS`) for reads of older
pages to end, so that the next writer starts the log over; `WAL_SIZE_LIMIT_BYTES` then cuts the file
back. Writers wait for that second step only (a few milliseconds, at most once an interval). A crash
loses nothing either way: a committed page is in the log until a checkpoint has copied it. The
thread starts with the first commit of a process (a forked worker starts its own) and ends after
`IDLE_SECONDS` without one, so short commands and tests leave no thread behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator

log = logging.getLogger(__name__)


class WriteGate:
    """A queue in front of SQLite's write lock, shared by every process and thread using the database.

    A writer that finds SQLite's lock taken sleeps in SQLite's busy handler, 1 ms, then 2, then 5 and
    more, while the write it waits for takes a fraction of a millisecond: with two workers writing,
    much of each worker's time went to sleeping past the moment the lock came free. Writers here
    first take a lock on a file beside the database (`<database>-writers`), asking again every
    0.1 ms, so the next writer starts as soon as the last one commits. The gate only orders writers:
    after `GIVE_UP_SECONDS` a writer goes on to SQLite's own lock and busy timeout, so a stuck
    process can make a write wait at most that much longer than SQLite alone would, and never makes
    it fail differently.
    """

    POLL_SECONDS = 0.0001
    GIVE_UP_SECONDS = 5.0

    def __init__(self, path: str):
        self.path = path
        self._pid = -1  # the descriptor is this process's own: one inherited across fork would share its lock
        self._fd = -1
        self._threads = threading.Lock()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        # Threads of one process share the descriptor, and with it the file lock: they queue here first.
        queued = self._threads.acquire(timeout=self.GIVE_UP_SECONDS)
        try:
            locked = queued and self._lock()
            try:
                yield
            finally:
                if locked:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            if queued:
                self._threads.release()

    def _lock(self) -> bool:
        if self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        deadline = time.monotonic() + self.GIVE_UP_SECONDS
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(self.POLL_SECONDS)


# The log file is cut back to this size when it starts over (SQLite's journal_size_limit).
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024


class Checkpoints:
    INTERVAL_SECONDS = 1.0
    IDLE_SECONDS = 10.0
    RESTART_FRAMES = 1000  # SQLite's own checkpoint threshold, in pages
    RESTART_WAIT_MS = 50  # then the RESTART gives up on the reads still open, as a PASSIVE one would

    def __init__(self, path: str, gate: WriteGate):
        self.path, self.gate = path, gate
        self._pid = -1
        self._lock = threading.Lock()
        self._due = threading.Event()
        self._running = False

    def committed(self) -> None:
        """A write committed: a checkpoint is due within an interval."""
        if self._pid != os.getpid():  # first use, or a forked child: the parent's thread is not here
            self._pid, self._lock, self._due, self._running = os.getpid(), threading.Lock(), threading.Event(), False
        self._due.set()
        with self._lock:
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._run, name=f"sqlite-checkpoints {self.path}", daemon=True).start()

    def _run(self) -> None:
        try:
            while True:
                if not self._due.wait(self.IDLE_SECONDS):
                    with self._lock:
                        if not self._due.is_set():
                            self._running = False
                            return
                    continue
                self._due.clear()
                self.checkpoint()
                time.sleep(self.INTERVAL_SECONDS)
        except BaseException:
            with self._lock:  # whatever stopped this thread, the next commit starts another
                self._running = False
            raise

    def checkpoint(self) -> None:
        """Copy what the log holds into the database file, and once the log is long, let it start over."""
        # A connection per checkpoint: at most one a second, and nothing stays open on the file. mode=rw:
        # a database removed meanwhile (a test's) is not made again, empty.
        try:
            with contextlib.closing(sqlite3.connect(f"file:{urllib.parse.quote(self.path)}?mode=rw", uri=True,
                                                    timeout=1.0)) as db:
                _busy, logged, _copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if logged > self.RESTART_FRAMES:
                    db.execute(f"PRAGMA busy_timeout={self.RESTART_WAIT_MS}")
                    with self.gate.held():
                        db.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        except sqlite3.Error as error:  # the next commit asks again; the log keeps every page meanwhile
            log.warning("checkpoint of %s failed: %s", self.path, error)
