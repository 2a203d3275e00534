"""Web benchmark: the app under gunicorn (2 workers) on loopback, loaded by wrk, in one run.

Measures requests/s and p50/p95/p99 latency of a bare Flask "hello" (the ceiling, same gunicorn
settings), the module page and the exam page (signed in), and exam submission (each request
submits a different open attempt). Then, on PostgreSQL, a burst of 500 concurrent attempt starts
and 500 submissions, counting the rows to show each was recorded exactly once.
Prints figures; it is not a test. Targets: module page >= 50 % and submission >= 25 % of the
bare route's throughput, with zero errors.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers
from fixtures import create_agents, open_attempts, random_secret, right_answers, session_cookie  # noqa: E402

from lms import migrate  # noqa: E402
from lms.app import create_app  # noqa: E402
from lms.config import PROJECT_ROOT  # noqa: E402

DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
MODULE_PATH = "/learn/py2022/marketplace/eligibility-and-enrollment"
EXAM_KEY = "py2022/marketplace/eligibility"
SUBMITTERS = int(os.environ.get("BENCH_SUBMITTERS", "8000"))
BURST = 500
HERE = Path(__file__).resolve().parent

LUA = r"""
local lines, counter, step = {}, 0, 1
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  -- Each wrk thread takes every n-th line, starting at its own id, so no two send the same request.
  for line in io.lines(args[1]) do table.insert(lines, line) end
  step = tonumber(args[2])
  counter = id or 0
end
function request()
  local line = lines[(counter % #lines) + 1]
  counter = counter + step
  local method, path, cookie, body = line:match("^(%S+)\t(%S+)\t([^\t]*)\t?(.*)$")
  local headers = {["Cookie"] = cookie}
  if method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  return wrk.format(method, path, headers, body ~= "" and body or nil)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, ' ..
    '"errors": %d, "status_errors": %d}\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
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


class Gunicorn:
    def __init__(self, target: str, env: dict, threads: int = 1):
        self.port = free_port()
        args = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
                "--log-level", "warning", "--backlog", "2048"]
        if threads > 1:
            args += ["--threads", str(threads)]
        self.process = subprocess.Popen(args + [target], env={**os.environ, **env}, cwd=HERE)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=1)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn for {target} did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def run_wrk(wrk: str, base: str, lines: list[str], work: Path, name: str,
            warmup_lines: list[str] | None = None) -> dict:
    """`warmup_lines` keeps the warm-up off the measured requests (submissions must not repeat)."""
    data, warmup = work / f"{name}.requests", work / f"{name}.warmup"
    data.write_text("\n".join(lines) + "\n")
    warmup.write_text("\n".join(warmup_lines or lines) + "\n")
    script = work / "requests.lua"
    script.write_text(LUA)
    # A short warm-up fills caches and lets each worker load the catalog.
    subprocess.run([wrk, "-t2", f"-c{CONNECTIONS}", "-d2s", "-s", str(script), base, "--", str(warmup), "2"],
                   capture_output=True, check=True)
    output = subprocess.run([wrk, "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "-s", str(script), base, "--",
                             str(data), "2"], capture_output=True, text=True, check=True).stdout
    line = next(row for row in output.splitlines() if row.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def form(values: dict[str, list[str]]) -> str:
    return urllib.parse.urlencode(values, doseq=True)


def web_benchmark(wrk: str, work: Path) -> dict[str, dict]:
    secret = random_secret()
    database = f"sqlite:///{work / 'bench.db'}"
    migrate.upgrade(database)
    env = {"SECRET_KEY": secret, "DATABASE_URL": database, "LMS_INSTANCE_PATH": str(work / "instance"),
           "LMS_CONTENT_ROOT": str(PROJECT_ROOT), "LMS_COOKIE_SECURE": "0",
           "LMS_PUBLIC_URL": "http://127.0.0.1:5000", "LMS_OUTBOX_WORKER": "off"}
    os.environ.update(env)
    app = create_app()
    exam = app.extensions["lms.catalog"].catalog.exams[EXAM_KEY]
    print(f"preparing {SUBMITTERS} agents with open attempts ...", flush=True)
    reader_id = create_agents(app, 1, "reader")[0]
    reader_cookie, _ = session_cookie(app, reader_id)
    (reader_attempt,), _ = open_attempts(app, exam, [reader_id])
    submitters = create_agents(app, SUBMITTERS, "submitter")
    attempt_ids, seeds = open_attempts(app, exam, submitters)
    submissions = []
    for user_id, attempt_id, seed in zip(submitters, attempt_ids, seeds, strict=True):
        cookie, token = session_cookie(app, user_id)
        body = form({**right_answers(exam, seed), "csrf_token": [token]})
        submissions.append(f"POST\t/attempts/{attempt_id}/submit\t{cookie}\t{body}")
    app.extensions["lms.db"].dispose()

    results: dict[str, dict] = {}
    hello = Gunicorn("hello_app:app", env)
    try:
        results["bare Flask hello"] = run_wrk(wrk, hello.base, ["GET\t/\t\t"], work, "hello")
    finally:
        hello.stop()
    server = Gunicorn("lms.app:create_app()", env)
    try:
        results["module page"] = run_wrk(wrk, server.base, [f"GET\t{MODULE_PATH}\t{reader_cookie}\t"], work, "module")
        results["exam page"] = run_wrk(wrk, server.base, [f"GET\t/attempts/{reader_attempt}\t{reader_cookie}\t"],
                                       work, "exam")
        warm = len(submissions) // 4
        results["exam submission"] = run_wrk(wrk, server.base, submissions[warm:], work, "submit",
                                             warmup_lines=submissions[:warm])
    finally:
        server.stop()
    check = create_app({"DATABASE_URL": database})
    from sqlalchemy import func, select

    from lms.models import Attempt

    with check.extensions["lms.db"].reading() as db:
        scored = db.scalar(select(func.count()).select_from(Attempt).where(Attempt.status == "submitted"))
    check.extensions["lms.db"].dispose()
    results["exam submission"]["distinct_scored"] = scored
    return results


def print_results(results: dict[str, dict]) -> None:
    ceiling = results["bare Flask hello"]["rps"]
    print(f"\n{'scenario':<18} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'of bare':>8}")
    for name, r in results.items():
        errors = r["errors"] + r["status_errors"]
        print(f"{name:<18} {r['rps']:>9.1f} {r['p50']:>8.2f} {r['p95']:>8.2f} {r['p99']:>8.2f} {errors:>7d} "
              f"{r['rps'] / ceiling:>7.0%}")
    sub = results["exam submission"]
    measured_pool = SUBMITTERS - SUBMITTERS // 4
    print(f"(exam submission: {sub['requests']} measured requests, each a different open attempt"
          if sub["requests"] <= measured_pool else
          f"(exam submission: {sub['requests']} measured requests for {measured_pool} attempts, so some repeated",
          f"; {sub['distinct_scored']} attempts scored in all, warm-up included)", sep="")
    for name, target in (("module page", 0.5), ("exam submission", 0.25)):
        ratio = results[name]["rps"] / ceiling
        print(f"target {name} >= {target:.0%} of bare: {ratio:.0%} -> {'met' if ratio >= target else 'MISSED'}")
    errors = sum(r["errors"] + r["status_errors"] for r in results.values())
    print(f"target zero errors: {errors} -> {'met' if errors == 0 else 'MISSED'}")


def postgres_burst(work: Path) -> None:
    from sqlalchemy import create_engine, func, select, text
    from sqlalchemy.engine import make_url

    from lms.models import Attempt, AuditEntry

    url = os.environ.get("LMS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/lms_bench")
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    except Exception as exc:
        print(f"\nPostgreSQL burst skipped: {parsed.render_as_string(hide_password=True)} unreachable ({exc})")
        return
    migrate.upgrade(url)
    secret = random_secret()
    env = {"SECRET_KEY": secret, "DATABASE_URL": url, "LMS_INSTANCE_PATH": str(work / "pg-instance"),
           "LMS_CONTENT_ROOT": str(PROJECT_ROOT), "LMS_COOKIE_SECURE": "0",
           "LMS_PUBLIC_URL": "http://127.0.0.1:5000", "LMS_OUTBOX_WORKER": "off"}
    os.environ.update(env)
    app = create_app()
    exam = app.extensions["lms.catalog"].catalog.exams[EXAM_KEY]
    agents = [(uid, *session_cookie(app, uid)) for uid in create_agents(app, BURST, "burst")]
    server = Gunicorn("lms.app:create_app()", env, threads=8)
    try:
        def post(path: str, cookie: str, body: str) -> tuple[int, str]:
            request = urllib.request.Request(server.base + path, data=body.encode(), method="POST",
                                             headers={"Cookie": cookie})
            opener = urllib.request.build_opener(NoRedirect())
            try:
                with opener.open(request, timeout=120) as response:
                    return response.status, response.headers.get("Location", "")
            except urllib.error.HTTPError as error:
                return error.code, error.headers.get("Location", "")

        def burst(calls) -> tuple[float, list]:
            barrier = threading.Barrier(len(calls))
            results: list = [None] * len(calls)

            def run(index, call):
                barrier.wait()
                results[index] = call()

            threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return time.perf_counter() - started, results

        start_s, starts = burst([
            lambda c=cookie, t=token: post(f"/exams/{EXAM_KEY}/start", c, form({"csrf_token": [t]}))
            for _, cookie, token in agents])
        with app.extensions["lms.db"].reading() as db:
            attempts = {a.user_id: a for a in db.scalars(select(Attempt))}
        calls = []
        for user_id, cookie, token in agents:
            attempt = attempts[user_id]
            body = form({**right_answers(exam, attempt.seed), "csrf_token": [token]})
            calls.append(lambda a=attempt, c=cookie, b=body: post(f"/attempts/{a.id}/submit", c, b))
        submit_s, submits = burst(calls)
    finally:
        server.stop()
    with app.extensions["lms.db"].reading() as db:
        rows = db.scalar(select(func.count()).select_from(Attempt))
        per_user = db.scalar(select(func.count(func.distinct(Attempt.user_id))))
        submitted = db.scalar(select(func.count()).select_from(Attempt).where(Attempt.status == "submitted"))
        scored = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "attempt.scored"))
    app.extensions["lms.db"].dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()
    ok_starts = sum(1 for status, location in starts if status == 302 and "/attempts/" in location)
    ok_submits = sum(1 for status, location in submits if status == 302 and location.endswith("/result"))
    print(f"\nPostgreSQL burst ({BURST} agents, gunicorn 2 workers x 8 threads):")
    print(f"  {BURST} concurrent starts in {start_s:.2f} s: {ok_starts} redirected to their attempt")
    print(f"  {BURST} concurrent submissions in {submit_s:.2f} s: {ok_submits} redirected to their result")
    print(f"  rows: {rows} attempts for {per_user} agents, {submitted} submitted, {scored} scoring records "
          f"-> {'each recorded exactly once' if rows == per_user == submitted == scored == BURST else 'MISMATCH'}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main() -> None:
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="lms-web-bench-") as folder:
        work = Path(folder)
        print(f"web benchmark: wrk -t2 -c{CONNECTIONS} -d{DURATION}s against gunicorn --workers 2 on loopback")
        print_results(web_benchmark(wrk, work))
        postgres_burst(work)


if __name__ == "__main__":
    main()
