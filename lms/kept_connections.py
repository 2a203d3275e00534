"""A connection the main thread keeps checked out between requests, lent to one unit of work at a time.

A sync worker serves one request at a time on its main thread, so checking a connection out of the
pool and back in for every request only repeats work: for a page's reads it cost a third of what
the reads do, and for a write transaction on SQLite 38 µs of the 61 an empty one costs (26 of 33
on PostgreSQL). Other threads, and a second borrower while the kept one is lent, get a connection
of their own, so a threaded server's pool is never held by idle threads.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

# Connections kept before a fork: the child never uses or closes them (SQLite's close could checkpoint
# or remove the parent's WAL), and holding them here keeps the garbage collector from closing them.
_INHERITED: list[Connection] = []


class KeptConnection:
    """One connection of an engine, lent to the main thread's units of work one at a time (`lend`,
    `take_back`); after a fork the child makes its own and leaves the parent's alone."""

    def __init__(self, connect: Callable[[], Connection]):
        self._connect = connect
        self._kept: Connection | None = None
        self._lent = False
        self._pid = os.getpid()
        self._stale = False  # disposed of while lent: replaced at the next lend

    def lend(self) -> Connection:
        if threading.current_thread() is not threading.main_thread() or self._lent:
            return self._connect()
        kept = self._kept
        if kept is not None and self._pid != os.getpid():
            _INHERITED.append(kept)
            kept = None
        if kept is None or kept.closed or kept.invalidated or self._stale:
            if kept is not None and not kept.closed:
                kept.close()
            kept = self._kept = self._connect()
            self._pid, self._stale = os.getpid(), False
        self._lent = True
        return kept

    def take_back(self, connection: Connection, *, discard: bool = False) -> None:
        """The borrower is done: any open transaction of the kept connection ends and it is kept for the
        next one, unless `discard` (a failed write) or it cannot end cleanly; any other is closed."""
        if connection is not self._kept:
            connection.close()
            return
        self._lent = False
        if not discard:
            try:
                if connection.in_transaction():
                    connection.rollback()
                return
            except DBAPIError:
                pass  # a lost connection (the server restarted, say): replaced at the next lend
        self._kept = None
        with contextlib.suppress(DBAPIError):
            connection.close()

    def dispose(self) -> None:
        """Close the kept connection (its engine is being disposed of); one lent now is replaced later."""
        if self._kept is not None and not self._lent and self._pid == os.getpid():
            self._kept.close()
            self._kept = None
        elif self._kept is not None:
            self._stale = True
