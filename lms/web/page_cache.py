"""Rendered pages kept per worker for the pages agents load most, keyed by everything that changes them.

A cached page is rendered once with markers where the per-request parts go (the CSRF token, a
signed note), kept encoded and cut at those markers, and the parts are joined with each request's
values: one join of bytes, where replacing each marker would scan the whole page once per marker and
the page would be encoded again for every response. Pages that carry flashed messages are rendered
afresh. The entry also remembers the source it was rendered from (the catalog, an exam version):
after content reloads nothing rendered from the old catalog is served.
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
    """Whole pages, as the UTF-8 bytes of the response."""

    def __init__(self, size: int = 1024):
        self._pages: Recent[Hashable, tuple[Any, tuple[bytes, ...]]] = Recent(size)
        self.hits = self.misses = 0

    def render(self, key: Hashable, source: Any, render: Callable[[], str], fills: Mapping[str, str]) -> bytes:
        """The page for `key`, rendered by `render` (with the markers of `fills` in it) when not kept."""
        values = {mark.encode(): value.encode() for mark, value in fills.items()}
        if session.get("_flashes"):
            return fill(_cut(render(), fills), values)
        kept = self.kept(key, source)
        if kept is not None:
            return fill(kept, values)
        pieces = _cut(render(), fills)
        self.misses += 1
        self._pages.put(key, (source, pieces))
        return fill(pieces, values)

    def kept(self, key: Hashable, source: Any) -> tuple[bytes, ...] | None:
        """The page for `key` cut at its markers, when one rendered from `source` is kept (see `fill`)."""
        found = self._pages.get(key)
        if found is None or found[0] is not source:
            return None
        self.hits += 1
        return found[1]

    def clear(self) -> None:
        self._pages.clear()


class FragmentCache:
    """Parts of pages with nothing per request in them, as text for the page around them."""

    def __init__(self, size: int = 1024):
        self._fragments: Recent[Hashable, tuple[Any, str]] = Recent(size)

    def render(self, key: Hashable, source: Any, render: Callable[[], str]) -> str:
        found = self._fragments.get(key)
        if found is not None and found[0] is source:
            return found[1]
        fragment = render()
        self._fragments.put(key, (source, fragment))
        return fragment

    def clear(self) -> None:
        self._fragments.clear()


def _cut(page: str, marks: Mapping[str, str]) -> tuple[bytes, ...]:
    """The page as (text, mark, text, mark, ..., text): marks at the odd places."""
    encoded = page.encode()
    if not marks:
        return (encoded,)
    pattern = b"(" + b"|".join(re.escape(mark.encode()) for mark in marks) + b")"
    return tuple(re.split(pattern, encoded))


def fill(pieces: tuple[bytes, ...], values: Mapping[bytes, bytes]) -> bytes:
    """A kept page with each marker replaced by its value (markers and values as UTF-8 bytes)."""
    if len(pieces) == 1:
        return pieces[0]
    return b"".join([values.get(piece, piece) if odd else piece
                     for odd, piece in zip(itertools.cycle((False, True)), pieces)])
