"""When an attempt's time is up."""

from __future__ import annotations

import datetime as dt

# Answers sent a moment after the deadline (a slow network) still count.
DEADLINE_GRACE = dt.timedelta(seconds=10)


def past_deadline(deadline: dt.datetime | None, now: dt.datetime) -> bool:
    return deadline is not None and now > deadline + DEADLINE_GRACE
