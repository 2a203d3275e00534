"""An outbox handler for tests that run `lms outbox` in other processes: it appends what it delivers to a file.

LMS_TEST_RECORD names the file; LMS_TEST_KILL_AT=n kills the process (SIGKILL, no clean-up) when it
reaches the event whose payload has n; LMS_TEST_DELAY slows each delivery down (seconds).
"""

from __future__ import annotations

import os
import signal
import time

from lms.outbox import Delivery, Handler


def handler(_settings, _database) -> Handler:
    path = os.environ["LMS_TEST_RECORD"]
    kill_at = int(os.environ.get("LMS_TEST_KILL_AT", "0"))
    delay = float(os.environ.get("LMS_TEST_DELAY", "0"))

    def deliver(delivery: Delivery) -> None:
        if kill_at and delivery.payload.get("n") == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        with open(path, "a") as record:
            record.write(f"{delivery.event_id} {os.getpid()}\n")
            record.flush()
            os.fsync(record.fileno())
        if delay:
            time.sleep(delay)

    return Handler("recorder", frozenset({"attempt.started"}), deliver)
