"""Watching the ORM from a test: which sessions began a transaction while a block ran."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.orm import Session


@contextlib.contextmanager
def orm_sessions_begun() -> Iterator[list[Session]]:
    """The sessions this thread began a transaction in inside the block, in order (a lean read begins none)."""
    begun: list[Session] = []
    # Only this thread's: the listener sees every session in the process, and a delivery thread left by
    # an earlier test's app may begin one of its own at any moment.
    watching = threading.get_ident()

    def note_begin(session: Session, _transaction: object, _connection: object) -> None:
        if threading.get_ident() == watching:
            begun.append(session)

    event.listen(Session, "after_begin", note_begin)
    try:
        yield begun
    finally:
        event.remove(Session, "after_begin", note_begin)
