"""The clock the app runs on: the real one, or a date pinned by configuration (tests, demos)."""

from __future__ import annotations

import datetime as dt

from lms.models.types import utcnow


class Clock:
    def __init__(self, pinned_today: str | dt.date | None = None):
        if isinstance(pinned_today, str):
            pinned_today = dt.date.fromisoformat(pinned_today)
        self.pinned_today = pinned_today

    def today(self) -> dt.date:
        """The calendar date that decides which plan year program is current."""
        return self.pinned_today or dt.date.today()

    def now(self) -> dt.datetime:
        """The moment, in UTC; never pinned, so time limits and seat time stay real."""
        return utcnow()
