"""Delivering outbox events to their handlers: each event once per handler, with retries.

A dispatcher works in short transactions and never calls a handler inside one:

1. fan out: new events get one delivery row per handler that wants them;
2. claim: due deliveries are leased to this worker (FOR UPDATE SKIP LOCKED on PostgreSQL, so
   several workers share the work; SQLite's write lock serialises claims);
3. deliver: the handler runs outside any transaction; success marks the delivery done, a failure
   records the error and schedules a retry with exponential backoff.

A worker that dies keeps its leases until they run out, then another worker takes them over. A
handler runs again only if the worker died after the handler finished but before "done" was
written; handlers get the delivery id to make that repeat harmless (email uses it as Message-ID).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select, update

from lms.db import Database
from lms.events import committed_events
from lms.models import OutboxDelivery, OutboxEvent
from lms.models.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
DEFAULT_LEASE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Delivery:
    """What a handler receives: the event, and which delivery of it this is."""

    delivery_id: int
    event_id: int
    name: str
    payload: dict[str, Any]
    attempt: int


@dataclass(frozen=True)
class Claim:
    """A delivery leased to this worker: only the holder of `token` may settle it."""

    delivery: Delivery
    handler: str
    token: str


@dataclass(frozen=True)
class Handler:
    name: str
    events: frozenset[str]
    deliver: Callable[[Delivery], None]


@dataclass
class Report:
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.delivered + self.failed


def backoff(attempts: int) -> dt.timedelta:
    """30 s after the first failure, doubling up to an hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class Dispatcher:
    def __init__(self, database: Database, handlers: Iterable[Handler], *, lease: dt.timedelta = DEFAULT_LEASE,
                 clock: Callable[[], dt.datetime] = utcnow):
        self.database = database
        self.handlers = {handler.name: handler for handler in handlers}
        self.lease = lease
        self.clock = clock

    def run_once(self, batch: int = 50) -> Report:
        """Fan out new events, then claim and deliver up to `batch` due deliveries."""
        report = Report()
        self.fan_out(batch * 4)
        for claim in self.claim(batch):
            self.deliver(claim, report)
        return report

    def run_until_idle(self, batch: int = 50, progress: Callable[[Report], None] | None = None) -> Report:
        total = Report()
        while True:
            report = self.run_once(batch)
            if not report.handled:
                return total
            total.delivered += report.delivered
            total.failed += report.failed
            total.errors.extend(report.errors)
            if progress:
                progress(total)

    def watch(self, stop: threading.Event, interval: float = 2.0, batch: int = 50) -> None:
        """Deliver until `stop` is set, waking at once when a commit emitted events."""
        while not stop.is_set():
            try:
                self.run_until_idle(batch)
            except Exception:  # the database may be briefly away; try again on the next round
                log.exception("outbox delivery round failed")
            committed_events.wait(interval)
            committed_events.clear()

    # --- the three steps -------------------------------------------------------------------
    def fan_out(self, limit: int) -> int:
        with self.database.unit_of_work() as uow, uow.write() as session:
            events = session.execute(
                select(OutboxEvent.id, OutboxEvent.name).where(OutboxEvent.fanned_out.is_(False))
                .order_by(OutboxEvent.id).limit(limit).with_for_update(skip_locked=True)).all()
            if not events:
                return 0
            now = self.clock()
            session.add_all(OutboxDelivery(event_id=event_id, handler=handler.name, status="pending", attempts=0,
                                           next_attempt_at=now, last_error="")
                            for event_id, name in events
                            for handler in self.handlers.values() if name in handler.events)
            session.execute(update(OutboxEvent).where(OutboxEvent.id.in_([event_id for event_id, _ in events]))
                            .values(fanned_out=True))
        return len(events)

    def claim(self, limit: int) -> list[Claim]:
        if not self.handlers:
            return []
        now, token = self.clock(), secrets.token_hex(8)
        with self.database.unit_of_work() as uow, uow.write() as session:
            due = (select(OutboxDelivery.id)
                   .where(OutboxDelivery.status == "pending", OutboxDelivery.next_attempt_at <= now,
                          OutboxDelivery.handler.in_(self.handlers),
                          or_(OutboxDelivery.lease_until.is_(None), OutboxDelivery.lease_until < now))
                   .order_by(OutboxDelivery.id).limit(limit).with_for_update(skip_locked=True))
            ids = list(session.scalars(due))
            if not ids:
                return []
            session.execute(update(OutboxDelivery).where(OutboxDelivery.id.in_(ids))
                            .values(lease_until=now + self.lease, lease_token=token,
                                    attempts=OutboxDelivery.attempts + 1))
            rows = session.execute(
                select(OutboxDelivery.id, OutboxDelivery.handler, OutboxDelivery.attempts, OutboxEvent.id,
                       OutboxEvent.name, OutboxEvent.payload)
                .join(OutboxEvent, OutboxEvent.id == OutboxDelivery.event_id)
                .where(OutboxDelivery.id.in_(ids)).order_by(OutboxDelivery.id)).all()
        return [Claim(Delivery(delivery_id, event_id, name, payload, attempts), handler, token)
                for delivery_id, handler, attempts, event_id, name, payload in rows]

    def deliver(self, claim: Claim, report: Report) -> None:
        delivery, token, handler = claim.delivery, claim.token, self.handlers[claim.handler]
        try:
            handler.deliver(delivery)
        except Exception as exc:  # any failure of an outside system is recorded and retried
            error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("outbox: %s failed on event %s (%s), attempt %s: %s", handler.name, delivery.event_id,
                        delivery.name, delivery.attempt, error)
            now = self.clock()
            gave_up = delivery.attempt >= MAX_ATTEMPTS
            self._settle(delivery, token, status="failed" if gave_up else "pending", last_error=error,
                         next_attempt_at=now + backoff(delivery.attempt))
            report.failed += 1
            report.errors.append(f"{handler.name} #{delivery.event_id} {delivery.name}: {error}")
            return
        self._settle(delivery, token, status="done", delivered_at=self.clock(), last_error="")
        report.delivered += 1

    def _settle(self, delivery: Delivery, token: str, **values: Any) -> None:
        with self.database.unit_of_work() as uow, uow.write() as session:
            result = session.execute(
                update(OutboxDelivery)
                .where(OutboxDelivery.id == delivery.delivery_id, OutboxDelivery.lease_token == token)
                .values(lease_until=None, lease_token=None, **values))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            log.warning("outbox: the lease on delivery %s ran out before it finished; another worker may "
                        "repeat it", delivery.delivery_id)


def status(database: Database) -> dict[str, int]:
    """Deliveries by status, plus events not yet fanned out."""
    with database.reading() as session:
        counts = dict(session.execute(select(OutboxDelivery.status, func.count()).group_by(OutboxDelivery.status))
                      .all())
        counts["waiting"] = session.scalar(select(func.count()).select_from(OutboxEvent)
                                           .where(OutboxEvent.fanned_out.is_(False))) or 0
    return {name: counts.get(name, 0) for name in ("waiting", "pending", "done", "failed")}


def retry_failed(database: Database) -> int:
    """Give deliveries that exhausted their attempts another round."""
    with database.unit_of_work() as uow, uow.write() as session:
        result = session.execute(update(OutboxDelivery).where(OutboxDelivery.status == "failed")
                                 .values(status="pending", attempts=0, next_attempt_at=utcnow()))
    return result.rowcount  # type: ignore[attr-defined]


class BackgroundDelivery:
    """A daemon thread that delivers in a web worker, so nothing else needs to run for email to go out."""

    def __init__(self, dispatcher: Dispatcher, interval: float = 2.0):
        self.dispatcher, self.interval = dispatcher, interval
        self.stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self.dispatcher.watch, args=(self.stop, self.interval),
                                                name="outbox-delivery", daemon=True)
                self._thread.start()

    def shutdown(self, timeout: float = 5.0) -> None:
        self.stop.set()
        committed_events.set()
        if self._thread is not None:
            self._thread.join(timeout)
