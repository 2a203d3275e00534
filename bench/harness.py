"""What the web benchmarks share: throw-away databases, gunicorn, wrk with checked responses, worker RSS.

Environment: LMS_BENCH_DATABASE_URL, a PostgreSQL URL whose server the benchmarks may create and
drop their own databases on (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres); the
database name in it is replaced by each benchmark's own.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from lms import migrate
from lms.config import PROJECT_ROOT

HERE = Path(__file__).resolve().parent
PG_SERVER = os.environ.get("LMS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
WARMUP_SECONDS = 2

# Each wrk thread takes every n-th line from its own id on, so no two connections send the same line, and
# checks every response: status, redirect target and a piece of the body. A redirect to the sign-in page
# or an error page rendered with 200 would otherwise count as a fast success.
LUA = r"""
local lines, counter, step, threads = {}, 0, 1, {}
local expect, where, marker, unique
sent, wrong, exhausted, first_wrong, checked = 0, 0, 0, "", false
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  for line in io.lines(args[1]) do table.insert(lines, line) end
  step, expect, unique = tonumber(args[2]), tonumber(args[3]), args[6] == "1"
  where = args[4] ~= "-" and args[4] or nil
  marker = args[5] ~= "-" and args[5] or nil
  counter = id or 0
end
function request()
  -- wrk calls request() once on the first thread to check the script before sending anything.
  if id == 0 and not checked then checked = true; return wrk.format("GET", "/wrk-script-check") end
  if unique and counter >= #lines then
    exhausted = 1
    wrk.thread:stop()
    return ""
  end
  local line = lines[(counter % #lines) + 1]
  counter, sent = counter + step, sent + 1
  local method, path, cookie, body = line:match("^(%S+)\t(%S+)\t([^\t]*)\t?(.*)$")
  local headers = {["Cookie"] = cookie, ["Accept"] = "text/html"}
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    if path:find("/save$") then headers["Accept"] = "application/json" end
  end
  return wrk.format(method, path, headers, body ~= "" and body or nil)
end
function response(status, headers, body)
  local ok = status == expect
  if ok and where then ok = (headers["Location"] or ""):find(where) ~= nil end
  if ok and marker then ok = body ~= nil and body:find(marker, 1, true) ~= nil end
  if not ok then
    wrong = wrong + 1
    if first_wrong == "" then first_wrong = status .. " " .. (headers["Location"] or "") end
  end
end
function done(summary, latency, requests)
  local e, per_thread, bad, out, note = summary.errors, {}, 0, 0, ""
  for _, thread in ipairs(threads) do
    table.insert(per_thread, tostring(thread:get("sent")))
    bad, out = bad + thread:get("wrong"), out + thread:get("exhausted")
    if note == "" then note = thread:get("first_wrong") end
  end
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, ' ..
    '"errors": %d, "wrong": %d, "exhausted": %d, "first_wrong": "%s", "sent_by_thread": [%s]}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout, bad, out, note,
    table.concat(per_thread, ",")))
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (Debian package) ...", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database: str, secret: str, work: Path) -> dict[str, str]:
    return {"SECRET_KEY": secret, "DATABASE_URL": database, "LMS_INSTANCE_PATH": str(work / "instance"),
            "LMS_CONTENT_ROOT": str(PROJECT_ROOT), "LMS_COOKIE_SECURE": "0",
            "LMS_PUBLIC_URL": "http://127.0.0.1:5000", "LMS_OUTBOX_WORKER": "off"}


@contextlib.contextmanager
def postgres_database(name: str) -> Iterator[str | None]:
    """A fresh, migrated PostgreSQL database, dropped afterwards; None when no server answers."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(PG_SERVER)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here: the caller says the PostgreSQL part was skipped
        print(f"PostgreSQL unreachable at {server.render_as_string(hide_password=True)}: {exc}")
        admin.dispose()
        yield None
        return
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def sqlite_database(work: Path, name: str) -> str:
    url = f"sqlite:///{work / name}"
    migrate.upgrade(url)
    return url


class Gunicorn:
    """2 sync workers on loopback unless told otherwise; `threads` for the concurrency burst, or when asked."""

    def __init__(self, target: str, env: dict, threads: int = 1, workers: int = 2):
        self.port = free_port()
        args = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
                "--log-level", "warning", "--backlog", "2048"]
        if threads > 1:
            args += ["--threads", str(threads)]
        self.process = subprocess.Popen(args + [target], env={**os.environ, **env}, cwd=HERE)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError(f"gunicorn for {target} did not start")
        deadline = time.time() + 30
        while len(self.workers()) < 2 and time.time() < deadline:
            time.sleep(0.1)

    def workers(self) -> list[int]:
        """The worker processes: the master's children, found by their parent id."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    found.append(int(entry.name))
        return sorted(found)

    def rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def cpu_seconds(self) -> float:
        """User + system CPU the workers have used so far."""
        ticks, total = os.sysconf("SC_CLK_TCK"), 0
        for pid in self.workers():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        return total / ticks

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def postgres_cpu_seconds() -> float:
    """User + system CPU this machine's PostgreSQL processes have used so far, backends that exited
    included (their time is added to the postmaster's as it reaps them); 0 where none runs here."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError):
                name, fields = (entry / "stat").read_text().rsplit(")", 1)
                if name.endswith("(postgres"):
                    used = fields.split()
                    total += sum(int(used[index]) for index in (11, 12, 13, 14))
    return total / ticks


def stolen_cpu_seconds() -> float:
    """CPU time the hypervisor has given to other machines while this one wanted it ("steal" in
    /proc/stat), all cores together; 0 where the kernel does not count it. A step that loses a few
    seconds to it is the host's slow minute, not the code's."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        if fields[0] == "cpu" and len(fields) > 8:
            return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    return 0.0


class CpuMeter:
    """CPU used by a server's workers and by the local PostgreSQL (when the app uses it) between two
    readings, for the CPU each request costs beside the load client's own."""

    def __init__(self, server: Gunicorn, postgres: bool):
        self.server, self.postgres = server, postgres

    def read(self) -> tuple[float, float]:
        return self.server.cpu_seconds(), postgres_cpu_seconds() if self.postgres else 0.0


def form(values: dict[str, list[str]]) -> str:
    return urllib.parse.urlencode(values, doseq=True)


def consumed(count: int, sent_by_thread: list[int]) -> set[int]:
    """Which lines of a wrk request file were sent: thread t sends lines t, t+n, t+2n ... (mod count)."""
    step = len(sent_by_thread)
    return {(thread + step * k) % count for thread, sent in enumerate(sent_by_thread) for k in range(sent)}


class Wrk:
    """wrk -t2 against one server; each call a warm-up (its own lines) then the measured run."""

    def __init__(self, wrk: str, work: Path, connections: int, seconds: int):
        self.wrk, self.work, self.connections, self.seconds = wrk, work, connections, seconds
        self.script = work / "requests.lua"
        self.script.write_text(LUA)

    def run(self, base: str, lines: list[str], seconds: int, expect: tuple[int, str, str], unique: bool,
            meter: CpuMeter | None = None) -> dict:
        """One wrk run; `unique`: never send a line twice (submit, start), stop the thread that runs out.
        With a `meter`, the result holds the CPU the server's workers and PostgreSQL used meanwhile."""
        data = self.work / "lines.tsv"
        data.write_text("\n".join(lines) + "\n")
        status, where, marker = expect
        started = meter.read() if meter else (0.0, 0.0)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        output = subprocess.run([self.wrk, "-t2", f"-c{self.connections}", f"-d{seconds}s", "--timeout", "10s",
                                 "-s", str(self.script), base, "--", str(data), "2", str(status), where or "-",
                                 marker or "-", "1" if unique else "0"],
                                capture_output=True, text=True, check=True).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        ended = meter.read() if meter else (0.0, 0.0)
        line = next(row for row in output.splitlines() if row.startswith("RESULT "))
        result = json.loads(line[len("RESULT "):])
        result["rps"] = result["requests"] / result["seconds"]
        result["client_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        result["workers_cpu"], result["database_cpu"] = ended[0] - started[0], ended[1] - started[1]
        return result

    def measure(self, base: str, lines: list[str], expect: tuple[int, str, str],
                meter: CpuMeter | None = None) -> tuple[dict, dict]:
        """(warm-up result, measured result), both sending `lines` round and round; the meter reads
        the measured run only."""
        warm = self.run(base, lines, WARMUP_SECONDS, expect, False)
        return warm, self.run(base, lines, self.seconds, expect, False, meter)


def wait_for(count, expected: int, seconds: float = 10) -> int:
    """Poll `count()` until it reaches `expected`: requests still in the server when wrk stopped finish."""
    deadline, found = time.time() + seconds, count()
    while found < expected and time.time() < deadline:
        time.sleep(0.2)
        found = count()
    return found
