"""Seat time: how long an agent spent on a module, counted on the server so it cannot be inflated.

Each module progress row remembers until when its time was counted (`counted_until`). A heartbeat,
or "mark complete", adds the time since then, or since the page was opened if that is later, with
a cap, in one UPDATE that reads and writes the row together. Replaying an old request, or sending
a hundred at once, adds only the time that really passed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, bindparam, case, update
from sqlalchemy.dialects import postgresql, sqlite

from lms.db import UnitOfWork
from lms.driver_query import DriverWrite
from lms.models import ModuleProgress
from lms.services.sessions import Claim, claim_holds

# Heartbeats come every minute while the page is visible; a longer gap means the agent was away.
HEARTBEAT_CAP = dt.timedelta(seconds=150)
# Without JavaScript time is counted from opening the page to "mark complete"; lunch is not reading.
STRETCH_CAP = dt.timedelta(minutes=30)


def count(uow: UnitOfWork, user_id: int, module_key: str, opened_at: dt.datetime | None, now: dt.datetime,
          cap: dt.timedelta) -> None:
    """Add the time since time was last counted (or the page was opened, if later), at most `cap`.

    Without a valid `opened_at` (an old or foreign page) nothing is added; the clock moves on. Each
    statement stands alone (`uow.write_statement`), or joins the write it is called in: the row is
    made at most once, whichever tab gets there first, and the bounded UPDATE counts each second once.
    """
    now_s, cap_s = int(now.timestamp()), int(cap.total_seconds())
    opened_s = int(opened_at.timestamp()) if opened_at is not None else now_s
    added = {"who": user_id, "module": module_key, "opened_s": opened_s, "now_s": now_s, "cap_s": cap_s, "seen": now}
    if uow.write_statement(_ADD, added):
        return
    first = max(0, min(cap_s, now_s - opened_s))
    made = uow.write_statement(_FIRST[uow.database.engine.dialect.name], {
        "user_id": user_id, "module_key": module_key, "first_seen_at": opened_at or now, "last_seen_at": now,
        "seconds_spent": first, "counted_until": now_s})
    if not made:  # the agent's other tab made the row a moment ago: count against it
        uow.write_statement(_ADD, added)


def count_if_signed_in(uow: UnitOfWork, claim: Claim, module_key: str, opened_at: dt.datetime | None,
                       now: dt.datetime, cap: dt.timedelta) -> bool:
    """`count` for the agent a session cookie claims, in one statement that also checks the claim.

    True when the time was counted; False when nothing was written, because the claim does not hold
    or the module has no row yet, and the caller checks who is signed in and calls `count`.
    """
    now_s = int(now.timestamp())
    opened_s = int(opened_at.timestamp()) if opened_at is not None else now_s
    added = {"who": claim.user_id, "module": module_key, "opened_s": opened_s, "now_s": now_s,
             "cap_s": int(cap.total_seconds()), "seen": now, **claim.params()}
    return uow.write_statement(_ADD_IF_SIGNED_IN, added) == 1


def _adding_statement() -> Any:
    """UPDATE … SET seconds_spent = seconds_spent + (the bounded time since it was last counted), built once:
    a heartbeat is the most frequent write there is, and building the statement cost more than running it."""
    opened: Any = bindparam("opened_s", type_=Integer)
    now_s: Any = bindparam("now_s", type_=Integer)
    cap: Any = bindparam("cap_s", type_=Integer)
    since: Any = case((ModuleProgress.counted_until > opened, ModuleProgress.counted_until), else_=opened)
    elapsed = now_s - since
    added = case((elapsed > cap, cap), (elapsed < 0, 0), else_=elapsed)
    return (update(ModuleProgress)
            .where(ModuleProgress.user_id == bindparam("who"), ModuleProgress.module_key == bindparam("module"))
            .values(seconds_spent=ModuleProgress.seconds_spent + added,
                    counted_until=case((ModuleProgress.counted_until > now_s, ModuleProgress.counted_until),
                                       else_=now_s),
                    last_seen_at=bindparam("seen")))


_ADD = DriverWrite(_adding_statement())
_ADD_IF_SIGNED_IN = DriverWrite(_adding_statement().where(claim_holds()))
# A module's first heartbeat makes its row; one statement, no savepoint, whichever tab gets there first.
_FIRST = {name: DriverWrite(dialect.insert(ModuleProgress)
                            .on_conflict_do_nothing(index_elements=["user_id", "module_key"]))
          for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))}

