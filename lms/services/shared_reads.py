"""Questions a read-only page asks again and again while it is built, answered once.

An agent's pages ask the same things of the database many times over: the home page asked for the
progress of the same four tracks seven times (each track's unlock condition asks again) and for the
registration status twice, 44 statements in all. Inside `shared_reads(session)`, a function marked
`@remembered` answers each question (the same arguments) once and gives the same answer after.

Only services that only read open the block, around everything one page needs: a write inside it
could leave an answer stale. Outside a block, remembered functions read afresh on every call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

P = ParamSpec("P")
R = TypeVar("R")
_ANSWERS = "lms.shared_reads"


@contextmanager
def shared_reads(session: Session) -> Iterator[None]:
    if _ANSWERS in session.info:  # inside another block: its answers hold for this one too
        yield
        return
    session.info[_ANSWERS] = {}
    try:
        yield
    finally:
        del session.info[_ANSWERS]


def remembered(func: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    """Marks a function of (session, arguments...) whose answer only reads, for `shared_reads`."""

    @wraps(func)
    def answer(session: Session, *args: P.args, **kwargs: P.kwargs) -> R:
        answers: dict[tuple[Any, ...], tuple[Any, Any]] | None = session.info.get(_ANSWERS)
        if answers is None or kwargs:
            return func(session, *args, **kwargs)
        # Objects (the catalog, a track, the user) by identity, numbers and text by value. The arguments
        # are kept with the answer, so no object's identity can pass to another while the block lasts.
        key = (func, *(arg if type(arg) in (int, str) else id(arg) for arg in args))
        found = answers.get(key)
        if found is None:
            found = answers[key] = (args, func(session, *args, **kwargs))
        return found[1]

    return answer
