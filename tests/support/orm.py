"""Watching the ORM from a test: which sessions began a transaction while a block ran."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event
from sqlalchemy.orm import Session


@contextlib.contextmanager
def orm_sessions_begun() -> Iterator[list[Session]]:
    """The sessions that began a transaction inside the block, in order (a lean read begins none)."""
    begun: list[Session] = []

    def note_begin(session: Session, _transaction: object, _connection: object) -> None:
        begun.append(session)

    event.listen(Session, "after_begin", note_begin)
    try:
        yield begun
    finally:
        event.remove(Session, "after_begin", note_begin)
