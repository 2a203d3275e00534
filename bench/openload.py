"""Open-model load client for bench/capacity.py: requests arrive at a fixed rate, whatever the server does.

    python bench/openload.py PLAN.json STEP.json RESULT.json

Arrivals are a Poisson process at the step's rate (several of these processes together make one
at the sum of their rates). Each arrival is a task of its own, so a slow response never delays the
next arrival, and its latency is measured from its *scheduled* time: time spent waiting for a
connection or in the server's queue counts (no coordinated omission). Kinds of request are drawn
by their weight in the mix; each kind takes its next line from its own pool, round and round, or
once only for `unique` kinds (start, submit). Connections are HTTP/1.1, kept alive when the server
allows it (gunicorn's sync workers close after each response, so mostly they are new). The result
holds latencies, errors, which lines each kind sent, and this process's own CPU time.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import resource
import sys
import time
from pathlib import Path

try:  # libuv's event loop: the same protocol code at less CPU a request, which the server gets instead
    import uvloop

    EVENT_LOOP = ("uvloop", uvloop.run)
except ModuleNotFoundError:
    EVENT_LOOP = ("asyncio", asyncio.run)

MAX_IN_FLIGHT = 500  # per process; a request waiting for a slot is late, and that lateness is measured
TIMEOUT = 10.0


class Kind:
    def __init__(self, spec: dict, lines: list[list[str]], host: str, cursor: int):
        self.name, self.weight, self.unique = spec["name"], spec["weight"], spec["unique"]
        self.status = spec["status"]
        self.where = re.compile(spec["location"]) if spec["location"] else None
        self.marker = spec["marker"].encode() if spec["marker"] else None
        self.requests = [_request(host, *line) for line in lines]
        self.cursor = cursor
        self.sent: list[int] = []
        self.latencies: list[float] = []
        self.errors = 0
        self.first_error = ""

    def next_line(self) -> int | None:
        if self.unique and self.cursor >= len(self.requests):
            return None
        index = self.cursor % len(self.requests)
        self.cursor += 1
        return index


def _request(host: str, method: str, path: str, cookie: str, body: str, accept: str) -> bytes:
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Accept: {accept}", "Connection: keep-alive"]
    if cookie:
        head.append(f"Cookie: {cookie}")
    payload = body.encode()
    if method == "POST":
        head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


class Connection(asyncio.Protocol):
    """One HTTP/1.1 connection, as a protocol rather than streams: the client's CPU per request is
    what limits how light it is, and streams cost about twice as much."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future | None = None
        self.buffer = bytearray()
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def send(self, data: bytes) -> asyncio.Future:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.buffer.clear()
        self.transport.write(data)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        response = _parse(self.buffer, ended=False)
        if response is not None and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(response)
            if not response[3] and self.transport is not None:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            response = _parse(self.buffer, ended=True)
            if response is None:
                self.waiter.set_exception(ConnectionError("connection closed before a whole response"))
            else:
                self.waiter.set_result(response)


def _parse(buffer: bytearray, ended: bool) -> tuple[int, dict[str, str], bytes, bool] | None:
    """(status, headers, body, keep-alive) once the response is whole, else None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = buffer[:end].decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        size = int(headers["content-length"])
        if len(buffer) < end + 4 + size:
            return None
        keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        return int(status), headers, bytes(buffer[end + 4:end + 4 + size]), keep
    return (int(status), headers, bytes(buffer[end + 4:]), False) if ended else None


class Connections:
    """Idle keep-alive connections to reuse; a new one when none is idle (gunicorn's sync workers
    close every connection after its response, so against them each request opens its own)."""

    def __init__(self, port: int):
        self.port = port
        self.idle: list[Connection] = []

    async def exchange(self, data: bytes) -> tuple[int, dict[str, str], bytes]:
        while self.idle and self.idle[-1].closed:
            self.idle.pop()
        reused = bool(self.idle)
        if reused:
            connection = self.idle.pop()
        else:
            _, connection = await asyncio.get_running_loop().create_connection(Connection, "127.0.0.1", self.port)
        try:
            status, headers, body, keep = await connection.send(data)
        except asyncio.CancelledError:  # timed out: this connection's response would arrive for no one
            if connection.transport is not None:
                connection.transport.close()
            raise
        except ConnectionError:
            if not reused:
                raise
            return await self.exchange(data)  # the server closed the idle connection meanwhile: once more, fresh
        if keep and not connection.closed:
            self.idle.append(connection)
        return status, headers, body


async def _one(kind: Kind, index: int, scheduled: float, connections: Connections, slots: asyncio.Semaphore) -> None:
    kind.sent.append(index)
    problem = ""
    try:
        async with slots:
            status, headers, body = await asyncio.wait_for(connections.exchange(kind.requests[index]), TIMEOUT)
        if status != kind.status:
            problem = f"status {status} {headers.get('location', '')}"
        elif kind.where and not kind.where.search(headers.get("location", "")):
            problem = f"redirected to {headers.get('location', '')}"
        elif kind.marker and kind.marker not in body:
            problem = "page without the expected content"
    except (TimeoutError, OSError, ValueError) as error:
        problem = f"{type(error).__name__} {error}"
    kind.latencies.append((time.monotonic() - scheduled) * 1000)
    if problem:
        kind.errors += 1
        kind.first_error = kind.first_error or problem


async def run(plan: dict, step: dict) -> dict:
    host = f"127.0.0.1:{plan['port']}"
    process = step["process"]
    kinds = [Kind(spec, plan["pools"][spec["name"]][process::step["processes"]], host,
                  step["cursors"].get(spec["name"], 0)) for spec in plan["kinds"]]
    weights = [kind.weight for kind in kinds]
    chooser = random.Random(step["seed"])
    connections, slots = Connections(plan["port"]), asyncio.Semaphore(MAX_IN_FLIGHT)
    start = time.monotonic() + (step["start_at"] - time.time())
    end = start + step["seconds"]
    tasks, exhausted, late, scheduled = set(), [], 0.0, start
    before = resource.getrusage(resource.RUSAGE_SELF)  # the client's CPU while it sends, not while it loads
    while True:
        scheduled += chooser.expovariate(step["rate"])
        if scheduled >= end:
            break
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            late = max(late, -delay)
        kind = chooser.choices(kinds, weights)[0]
        index = kind.next_line()
        if index is None:
            exhausted.append(kind.name)
            continue
        task = asyncio.create_task(_one(kind, index, scheduled, connections, slots))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(set(tasks))
    for connection in connections.idle:
        if connection.transport is not None:
            connection.transport.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    return {"cpu": cpu, "late_ms": late * 1000, "exhausted": sorted(set(exhausted)),
            "kinds": {kind.name: {"sent": kind.sent, "latencies": kind.latencies, "errors": kind.errors,
                                  "first_error": kind.first_error, "cursor": kind.cursor} for kind in kinds}}


def main() -> None:
    plan, step = json.loads(Path(sys.argv[1]).read_text()), json.loads(Path(sys.argv[2]).read_text())
    Path(sys.argv[3]).write_text(json.dumps(EVENT_LOOP[1](run(plan, step))))


if __name__ == "__main__":
    main()
