"""Rendered pages kept per worker for the pages agents load most, keyed by everything that changes them.

A cached page is rendered once with markers where the per-request parts go (the CSRF token, a
signed note), kept cut at those markers, and the parts are joined with each request's values (one
join, where replacing each marker would scan the whole page once per marker). Pages that carry flashed messages are
rendered afresh. The entry also remembers the source it was rendered from (the catalog, an exam
version): after content reloads nothing rendered from the old catalog is served.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from flask import session

from lms.services.recent import Recent

# Random per process, so no content can ever contain a marker by chance; no marker contains another.
CSRF_MARK = f"lms-csrf-{secrets.token_hex(8)}"


def new_mark(name: str) -> str:
    return f"lms-{name}-{secrets.token_hex(8)}"


class PageCache:
    def __init__(self, size: int = 1024):
        self._pages: Recent[Hashable, tuple[Any, tuple[str, ...]]] = Recent(size)
        self.hits = self.misses = 0

    def render(self, key: Hashable, source: Any, render: Callable[[], str], fills: Mapping[str, str]) -> str:
        """The page for `key`, rendered by `render` (with the markers of `fills` in it) when not kept."""
        if session.get("_flashes"):
            return _fill(_cut(render(), fills), fills)
        found = self._pages.get(key)
        if found is not None and found[0] is source:
            self.hits += 1
            return _fill(found[1], fills)
        pieces = _cut(render(), fills)
        self.misses += 1
        self._pages.put(key, (source, pieces))
        return _fill(pieces, fills)

    def clear(self) -> None:
        self._pages.clear()


def _cut(page: str, marks: Mapping[str, str]) -> tuple[str, ...]:
    """The page as (text, mark, text, mark, ..., text): marks at the odd places."""
    if not marks:
        return (page,)
    return tuple(re.split("(" + "|".join(re.escape(mark) for mark in marks) + ")", page))


def _fill(pieces: tuple[str, ...], fills: Mapping[str, str]) -> str:
    if len(pieces) == 1:
        return pieces[0]
    return "".join([fills.get(piece, piece) if odd else piece
                    for odd, piece in zip(itertools.cycle((False, True)), pieces)])
