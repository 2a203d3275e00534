"""Web benchmark: the hot paths as a share of a bare Flask route, on SQLite and on PostgreSQL.

Each scenario runs under gunicorn (2 sync workers, loopback), loaded by wrk (-t2), after a short
warm-up, in every repeat: bare Flask hello (same gunicorn settings, the ceiling), module page, exam
intro, attempt page, submit (each request a fresh attempt), heartbeat, autosave (JSON, as the
page's script sends it) and start (each request an agent without an attempt). wrk checks every
response's status, redirect target and a piece of its body, and after each write scenario the
database must show exactly the effect of the requests sent. Prints min/median/max of req/s, p50
and p95, and the ratio of each repeat's hello, with each target met or MISSED; then the CPU a
request cost (workers, PostgreSQL on this machine, wrk) and the ratio that CPU allows while they
share the cores. Then, on PostgreSQL, a burst of 500 concurrent starts and submissions
(bench/burst.py). Figures, not a test.

Environment:
  BENCH_SECONDS      measured seconds per scenario and repeat (default 10; warm-up 2 s more)
  BENCH_REPEATS      repeats of the whole set (default 3)
  BENCH_CONNECTIONS  wrk connections (default 16)
  BENCH_THREADS      threads per worker, hello and app alike (default 1: the sync workers the targets are set
                     for); more runs gunicorn's gthread workers, whose threads overlap a wait for the database
  LMS_BENCH_DATABASE_URL  the PostgreSQL server (see bench/harness.py); database lms_bench_web is made and dropped
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import checks  # noqa: E402
from burst import postgres_burst  # noqa: E402
from fixtures import (  # noqa: E402
    attempt_form,
    create_agents,
    open_attempts,
    random_secret,
    seat_tokens,
    signed_sessions,
)
from harness import (  # noqa: E402
    WARMUP_SECONDS,
    CpuMeter,
    Gunicorn,
    Wrk,
    app_env,
    consumed,
    ensure_wrk,
    form,
    postgres_database,
    sqlite_database,
)

from lms.app import create_app  # noqa: E402
from lms.db import sqlite_file  # noqa: E402
from lms.sqlite_writes import WAL_SIZE_LIMIT_BYTES  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
# Which databases to run ("sqlite,pg" by default): one alone, to compare two checkouts in half the time.
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite,pg").split(",")
# SQLite's log is cut back to its limit each time it starts over, and grows by a second's writes in
# between; past four times the limit it is growing without end (as it once did, to 1.3 GB).
LOG_BOUND_BYTES = 4 * WAL_SIZE_LIMIT_BYTES
MODULE_KEY = "py2022/marketplace/eligibility-and-enrollment"
EXAM_KEY = "py2022/marketplace/eligibility"
POOL = 256  # agents behind the repeatable requests: pages, heartbeats and autosaves
SCENARIOS = ("bare Flask hello", "module page", "exam intro", "attempt page", "submit", "heartbeat", "autosave",
             "start")
TARGETS = {"module page": 0.5, "attempt page": 0.4, "submit": 0.25, "heartbeat": 0.15, "autosave": 0.15,
           "start": 0.15}
# What each response must be: status, a pattern its Location must match, text its body must contain.
EXPECT = {"bare Flask hello": (200, "", "hello"), "module page": (200, "", "data-heartbeat="),
          "exam intro": (200, "", "<dt>Pass mark</dt>"), "attempt page": (200, "", "data-save-url="),
          "submit": (302, "/attempts/%d+/result$", ""), "heartbeat": (204, "", ""),
          "autosave": (200, "", '"saved":true'), "start": (302, "/attempts/%d+$", "")}


class Scenarios:
    """Data and requests for one database; `run` measures one repeat of every scenario."""

    def __init__(self, label: str, url: str, wrk: Wrk, work: Path):
        self.label, self.wrk = label, wrk
        self.env = app_env(url, random_secret(), work)
        os.environ.update(self.env)
        self.app = create_app()
        self.exam = self.app.extensions["lms.catalog"].catalog.exams[EXAM_KEY]
        self.batch = 0
        readers = create_agents(self.app, POOL, f"{label}-reader-")
        cookies = signed_sessions(self.app, readers)
        attempts, _ = open_attempts(self.app, self.exam, readers)
        intro = signed_sessions(self.app, create_agents(self.app, POOL, f"{label}-intro-"))  # no attempt yet
        self.reads = {
            "module page": [f"GET\t/learn/{MODULE_KEY}\t{cookie}\t" for cookie, _ in cookies],
            "attempt page": [f"GET\t/attempts/{attempt}\t{cookie}\t"
                             for (cookie, _), attempt in zip(cookies, attempts, strict=True)],
            "exam intro": [f"GET\t/exams/{EXAM_KEY}\t{cookie}\t" for cookie, _ in intro],
        }
        self.used = {"submit": 0, "start": 0}
        self.prepared = {"submit": 0, "start": 0}
        self.rates: dict[str, float] = {}
        self.meter: CpuMeter | None = None  # the app server's, set by each run
        database = sqlite_file(url)
        self.log = Path(f"{database}-wal") if database else None
        self.log_peak = 0  # the largest the log file was after any scenario

    def _agents(self, count: int, kind: str) -> tuple[list[int], list[tuple[str, str]]]:
        self.batch += 1
        ids = create_agents(self.app, count, f"{self.label}-{kind}{self.batch}-")
        return ids, signed_sessions(self.app, ids)

    def _submissions(self, count: int) -> tuple[list[str], list[int]]:
        ids, cookies = self._agents(count, "submit")
        attempts, seeds = open_attempts(self.app, self.exam, ids)
        lines = [f"POST\t/attempts/{attempt}/submit\t{cookie}\t"
                 + form({**attempt_form(self.app, self.exam, attempt, seed), "confirm": ["yes"], "csrf_token": [token]})
                 for (cookie, token), attempt, seed in zip(cookies, attempts, seeds, strict=True)]
        self.prepared["submit"] += count
        return lines, attempts

    def _starts(self, count: int) -> tuple[list[str], list[int]]:
        ids, cookies = self._agents(count, "start")
        self.prepared["start"] += count
        return [f"POST\t/exams/{EXAM_KEY}/start\t{cookie}\t" + form({"csrf_token": [token]})
                for cookie, token in cookies], ids

    def run(self, hello_server: Gunicorn, server: Gunicorn) -> dict[str, dict]:
        results: dict[str, dict] = {}
        self.meter = CpuMeter(server, postgres=self.label == "pg")
        base = server.base
        _, results["bare Flask hello"] = self.wrk.measure(hello_server.base, ["GET\t/\t\t"],
                                                          EXPECT["bare Flask hello"], CpuMeter(hello_server, False))
        hello = results["bare Flask hello"]["rps"]
        for name, lines in self.reads.items():
            _, results[name] = self.wrk.measure(base, lines, EXPECT[name], self.meter)
        results["submit"] = self._unique("submit", base, hello, self._submissions, checks.submitted)
        self._note_log()
        results["heartbeat"] = self._heartbeats(base)
        results["autosave"] = self._autosaves(base)
        self._note_log()
        results["start"] = self._unique("start", base, hello, self._starts, checks.started)
        self._note_log()
        for name, result in results.items():
            self.rates[name] = max(self.rates.get(name, 0), result["rps"])
        return results

    def _note_log(self) -> None:
        if self.log is not None and self.log.exists():
            self.log_peak = max(self.log_peak, self.log.stat().st_size)

    def _unique(self, name: str, base: str, hello: float, make, check) -> dict:
        """A write where no request may repeat: the faster of the warm-up's rate and the fastest repeat so
        far sizes the measured pool of fresh attempts or agents, with half again as margin (this machine's
        rate moves by half between repeats); running out is reported."""
        known = self.rates.get(name, 0.0)
        guess = max(known, 0.3 * hello)
        warm_lines, warm_ids = make(int(guess * 1.5 * WARMUP_SECONDS) + 200)
        warm = self.wrk.run(base, warm_lines, WARMUP_SECONDS, EXPECT[name], True)
        # A warm-up that ran out went faster than its pool allowed: at least that, and likely more.
        warm_rate = (max(0.6 * hello, 2 * guess) if warm["exhausted"]
                     else sum(warm["sent_by_thread"]) / WARMUP_SECONDS)
        lines, ids = make(int(max(known, warm_rate) * SECONDS * 1.5) + 200)
        result = self.wrk.run(base, lines, SECONDS, EXPECT[name], True, self.meter)
        sent = sum(warm["sent_by_thread"]) + sum(result["sent_by_thread"])
        self.used[name] += sent
        result["check"] = check(self.app, warm_ids + ids, sent)
        if result["exhausted"]:
            result["check"] += f"; MISMATCH: the {len(lines)} prepared ran out, so the rate is understated"
        return result

    def _heartbeats(self, base: str) -> dict:
        ids, cookies = self._agents(POOL, "heartbeat")
        opened = seat_tokens(self.app, ids, MODULE_KEY)
        lines = [f"POST\t/learn/{MODULE_KEY}/heartbeat\t{cookie}\t" + form({"opened": [note], "csrf_token": [token]})
                 for (cookie, token), note in zip(cookies, opened, strict=True)]
        warm, result = self.wrk.measure(base, lines, EXPECT["heartbeat"], self.meter)
        sent = consumed(len(lines), warm["sent_by_thread"]) | consumed(len(lines), result["sent_by_thread"])
        # Notes signed just now and heartbeats seconds apart: every second that passed is counted, no more.
        result["check"] = checks.heartbeats(self.app, {(ids[i], MODULE_KEY): opened[i] for i in sent}, exact=True)
        return result

    def _autosaves(self, base: str) -> dict:
        ids, cookies = self._agents(POOL, "autosave")
        attempts, seeds = open_attempts(self.app, self.exam, ids)
        lines = [f"POST\t/attempts/{attempt}/save\t{cookie}\t"
                 + form({**attempt_form(self.app, self.exam, attempt, seed), "csrf_token": [token]})
                 for (cookie, token), attempt, seed in zip(cookies, attempts, seeds, strict=True)]
        warm, result = self.wrk.measure(base, lines, EXPECT["autosave"], self.meter)
        sent = consumed(len(lines), warm["sent_by_thread"]) | consumed(len(lines), result["sent_by_thread"])
        result["check"] = checks.autosaves(self.app, self.exam, [attempts[i] for i in sorted(sent)],
                                           [a for i, a in enumerate(attempts) if i not in sent])
        return result


def run_database(label: str, url: str, wrk: Wrk, work: Path) -> tuple[list[dict[str, dict]], Scenarios, list]:
    scenarios = Scenarios(label, url, wrk, work)
    scenarios.app.extensions["lms.db"].dispose()
    hello = Gunicorn("hello_app:app", scenarios.env, threads=THREADS)
    server = Gunicorn("lms.app:create_app()", scenarios.env, threads=THREADS)
    repeats = []
    try:
        for repeat in range(1, REPEATS + 1):
            started = time.time()
            repeats.append(scenarios.run(hello, server))
            scenarios.app.extensions["lms.db"].dispose()
            print(f"  {label} repeat {repeat} of {REPEATS} done in {time.time() - started:.0f} s", flush=True)
        rss = server.rss_mb()
    finally:
        hello.stop()
        server.stop()
    return repeats, scenarios, rss


def report(label: str, repeats: list[dict[str, dict]], scenarios: Scenarios, rss: list[float]) -> bool:
    """Print the table; True when every target is met with zero errors and every check passed."""
    print(f"\n{label}: {len(repeats)} repeats, min / median / max of each")
    print(f"{'scenario':<17} {'req/s':>20} {'p50 ms':>17} {'p95 ms':>17} {'of hello':>17} {'errors':>6}  target")
    all_met = True
    for name in SCENARIOS:
        runs = [repeat[name] for repeat in repeats]
        ratios = [repeat[name]["rps"] / repeat["bare Flask hello"]["rps"] for repeat in repeats]
        errors = sum(run["errors"] + run["wrong"] for run in runs)

        def spread(values: list[float], fmt: str) -> str:
            return "/".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))

        target = TARGETS.get(name)
        met = errors == 0 and (target is None or statistics.median(ratios) >= target)
        all_met &= met
        verdict = "" if target is None else f">= {target:.2f}x {'met' if met else 'MISSED'}"
        print(f"{name:<17} {spread([r['rps'] for r in runs], '.0f'):>20} {spread([r['p50'] for r in runs], '.1f'):>17} "
              f"{spread([r['p95'] for r in runs], '.1f'):>17} {spread(ratios, '.2f'):>17} {errors:>6}  {verdict}")
    for name in ("submit", "heartbeat", "autosave", "start"):
        for number, repeat in enumerate(repeats, start=1):
            check = repeat[name]["check"]
            all_met &= "MISMATCH" not in check
            print(f"  check {name}, repeat {number}: {check}")
    for name in ("submit", "start"):
        print(f"  {name}: {scenarios.used[name]} requests sent of {scenarios.prepared[name]} prepared, "
              f"each to a different {'attempt' if name == 'submit' else 'agent'}")
    errors_seen = [f"{name}: {repeat[name]['first_wrong']}" for repeat in repeats for name in SCENARIOS
                   if repeat[name]["first_wrong"]]
    if errors_seen:
        print("  first wrong response:", "; ".join(errors_seen[:4]))
    report_cpu(repeats)
    client = sum(run["client_cpu"] for repeat in repeats for run in repeat.values())
    wall = sum(run["seconds"] for repeat in repeats for run in repeat.values())
    print(f"  wrk used {client:.1f} s of CPU in {wall:.0f} s of measured runs (warm-ups apart): "
          f"{client / (wall * (os.cpu_count() or 1)):.0%} of the machine")
    print(f"  RSS per worker after the run: {', '.join(f'{size:.0f} MB' for size in rss)}")
    if scenarios.log is not None:
        bounded = scenarios.log_peak <= LOG_BOUND_BYTES
        all_met &= bounded
        print(f"  SQLite's write-ahead log, largest after a write scenario: {scenarios.log_peak / 1e6:.0f} MB "
              + ("(bounded)" if bounded else f"MISMATCH: past {LOG_BOUND_BYTES / 1e6:.0f} MB, it is not starting over"))
    return all_met


def report_cpu(repeats: list[dict[str, dict]]) -> None:
    """CPU per request of each scenario (medians of the repeats' measured runs). With both cores busy
    the rate is about the cores over all the CPU a request costs, so hello's CPU over a scenario's
    bounds the ratio it can reach however the two are scheduled."""
    def per_request(name: str, key: str) -> float:
        return statistics.median(repeat[name][key] / repeat[name]["requests"] * 1e6 for repeat in repeats)

    print("  CPU per request, measured runs: the workers, PostgreSQL on this machine, wrk; hello's CPU over a")
    print("  scenario's is the most of hello's rate it can reach while they share the cores")
    in_all = {name: sum(per_request(name, key) for key in ("workers_cpu", "database_cpu", "client_cpu"))
              for name in SCENARIOS}
    for name in SCENARIOS:
        print(f"    {name:<17} workers {per_request(name, 'workers_cpu'):>6,.0f} µs  database "
              f"{per_request(name, 'database_cpu'):>6,.0f} µs  wrk {per_request(name, 'client_cpu'):>5,.0f} µs  "
              f"in all {in_all[name]:>6,.0f} µs  at most {in_all['bare Flask hello'] / in_all[name]:.2f}x")


def main() -> None:
    unknown = set(DATABASES) - {"sqlite", "pg"}
    if unknown or not DATABASES:
        sys.exit(f"BENCH_DATABASES names sqlite, pg or both (comma-separated), not {', '.join(sorted(unknown))}")
    wrk_path = ensure_wrk()
    print(f"web benchmark: {REPEATS} repeats of wrk -t2 -c{CONNECTIONS} -d{SECONDS}s (after {WARMUP_SECONDS} s "
          f"warm-up) against gunicorn --workers 2{f' --threads {THREADS}' if THREADS > 1 else ''} on loopback",
          flush=True)
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="lms-web-bench-") as folder:
        work = Path(folder)
        wrk = Wrk(wrk_path, work, CONNECTIONS, SECONDS)
        if "sqlite" in DATABASES:
            sqlite = sqlite_database(work, "bench.db")
            verdicts.append(report("SQLite", *run_database("sqlite", sqlite, wrk, work)))
        if "pg" in DATABASES:
            with postgres_database("lms_bench_web") as postgres:
                if postgres is None:
                    print("\nPostgreSQL: skipped (no server)")
                else:
                    verdicts.append(report("PostgreSQL", *run_database("pg", postgres, wrk, work)))
            postgres_burst(work)
    print(f"\nall targets met, zero errors, every check passed: {'yes' if all(verdicts) else 'NO'}")


if __name__ == "__main__":
    main()
