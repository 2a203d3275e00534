"""URL pieces: ids in URLs are whole numbers a database row can have, so nothing larger reaches a query."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # INTEGER primary keys on PostgreSQL and SQLite alike


class IdConverter(IntegerConverter):
    """`<id:attempt_id>`: 1 to 2,147,483,647; anything else is a 404 before a view runs."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        super().__init__(map, min=1, max=MAX_ID)
