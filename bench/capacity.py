"""Capacity: how many agents one machine serves under a realistic mix, on SQLite and on PostgreSQL.

An open-model load (requests arrive at a fixed rate, Poisson, whether or not the server keeps up;
bench/openload.py, in CAPACITY_CLIENTS separate processes, on uvloop where it is installed) is
stepped up until p95 latency, measured from each request's scheduled time, reaches 150 ms or any
request fails. The highest passing rate, divided by the requests one concurrent agent makes per
second (MIX below), is the number of concurrent agents served. The database holds CAPACITY_AGENTS
agents. gunicorn: CAPACITY_WORKERS sync workers.
Afterwards the rows must show exactly what the writes sent should have done. Figures, not a test.

The mix, per concurrent agent: 85 % are reading a module (3-5 minutes each, 4 on average: one module
page, then a heartbeat every 60 s); 15 % are taking an exam (about 10 minutes: exam intro, start,
attempt page, an autosave every 30 s, submit, result page); and a few admins (5 per 20,000 agents)
each view a page (people list or dashboard) every 30 s. That is 0.0240 requests/s per agent:
20,000 agents make ~479 requests/s (heartbeats 59 %, autosaves 21 %, module pages 15 %).

Environment:
  CAPACITY_STEPS    arrival rates to try, requests/s, in order (default 100,200,300,400,500,600,800)
  CAPACITY_SECONDS  seconds per step (default 10; a 3 s warm-up at the first rate comes first)
  CAPACITY_CLIENTS  client processes sharing the rate (default 2)
  CAPACITY_AGENTS   agents in the database (default 20000)
  CAPACITY_WORKERS  gunicorn's sync workers (default 2, as the web benchmark; README suggests 4)
  CAPACITY_DATABASES  which to run: sqlite, pg or both, comma-separated (default both)
  LMS_BENCH_DATABASE_URL  the PostgreSQL server (see bench/harness.py); database lms_bench_capacity
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.datastructures import MultiDict

sys.path.insert(0, str(Path(__file__).resolve().parent))
import checks  # noqa: E402
from fixtures import (  # noqa: E402
    attempt_form,
    create_agents,
    open_attempts,
    random_secret,
    right_answers,
    signed_sessions,
)
from harness import HERE, Gunicorn, app_env, form, postgres_database, sqlite_database, stolen_cpu_seconds  # noqa: E402
from openload import EVENT_LOOP  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from lms.app import create_app  # noqa: E402
from lms.models import ModuleProgress  # noqa: E402
from lms.services import exams, tokens  # noqa: E402

STEPS = [int(rate) for rate in os.environ.get("CAPACITY_STEPS", "100,200,300,400,500,600,800").split(",")]
SECONDS = int(os.environ.get("CAPACITY_SECONDS", "10"))
CLIENTS = int(os.environ.get("CAPACITY_CLIENTS", "2"))
AGENTS = int(os.environ.get("CAPACITY_AGENTS", "20000"))
DATABASES = os.environ.get("CAPACITY_DATABASES", "sqlite,pg").split(",")
WORKERS = int(os.environ.get("CAPACITY_WORKERS", "2"))  # gunicorn's sync workers (README suggests 4 in production)
WARMUP_SECONDS = 3
P95_LIMIT_MS = 150
TARGET_AGENTS = 20_000
TRACK, EXAM_KEY = "py2022/marketplace", "py2022/marketplace/eligibility"

READ_SECONDS = 4 * 60  # a module takes 3-5 minutes to read
HEARTBEAT_EVERY = 60
EXAM_SECONDS = 10 * 60  # an exam, within its 20-minute limit
AUTOSAVE_EVERY = 30
EXAM_SHARE = 0.15  # of the agents at any moment: taking an exam; the others are reading
ADMINS_PER_AGENT = 5 / 20_000
ADMIN_PAGE_EVERY = 30
READING = 1 - EXAM_SHARE
MIX = {  # requests per second made by one concurrent agent, by kind
    "module page": READING / READ_SECONDS,
    "heartbeat": READING / HEARTBEAT_EVERY,
    "exam intro": EXAM_SHARE / EXAM_SECONDS,
    "start": EXAM_SHARE / EXAM_SECONDS,
    "attempt page": EXAM_SHARE / EXAM_SECONDS,
    "autosave": EXAM_SHARE / AUTOSAVE_EVERY,
    "submit": EXAM_SHARE / EXAM_SECONDS,
    "result page": EXAM_SHARE / EXAM_SECONDS,
    "admin people list": ADMINS_PER_AGENT / ADMIN_PAGE_EVERY / 2,
    "admin dashboard": ADMINS_PER_AGENT / ADMIN_PAGE_EVERY / 2,
}
PER_AGENT = sum(MIX.values())
# status, a pattern the Location must match, text the body must contain, and whether a line may repeat
EXPECT = {"module page": (200, "", "data-heartbeat="), "heartbeat": (204, "", ""),
          "exam intro": (200, "", "<dt>Pass mark</dt>"), "start": (302, r"/attempts/\d+$", ""),
          "attempt page": (200, "", "data-save-url="), "autosave": (200, "", '"saved":true'),
          "submit": (302, r"/attempts/\d+/result$", ""), "result page": (200, "", ""),
          "admin people list": (200, "", ""), "admin dashboard": (200, "", "")}
UNIQUE = {"start", "submit"}


class Population:
    """The agents in the database and, per kind of request, the lines the clients send."""

    def __init__(self, app):
        self.app = app
        catalog = app.extensions["lms.catalog"].catalog
        self.exam = catalog.exams[EXAM_KEY]
        modules = [module.key for module in catalog.modules_of(catalog.tracks[TRACK])]
        reading = round(AGENTS * READING)
        readers = create_agents(app, reading, "reader-")
        self.reading = {user_id: modules[i % len(modules)] for i, user_id in enumerate(readers)}
        self._progress_rows(self.reading)  # an agent mid-module has a progress row: heartbeats add to it
        cookies = signed_sessions(app, readers)
        secret = app.config["SECRET_KEY"]
        self.notes = [tokens.seat_token(secret, user_id, key) for user_id, key in self.reading.items()]
        takers = create_agents(app, AGENTS - reading, "taker-")
        taker_cookies = signed_sessions(app, takers)
        self.open, seeds = open_attempts(app, self.exam, takers)
        total = sum(STEPS) * SECONDS + STEPS[0] * WARMUP_SECONDS
        spare = {kind: int(MIX[kind] / PER_AGENT * total * 2) + 100 * CLIENTS for kind in UNIQUE}
        starters = create_agents(app, spare["start"], "starter-")
        self.starters = starters
        submitters = create_agents(app, spare["submit"], "submitter-")
        self.submitting, submit_seeds = open_attempts(app, self.exam, submitters)
        done = create_agents(app, 50, "done-")
        finished, done_seeds = open_attempts(app, self.exam, done)
        for user_id, attempt_id, seed in zip(done, finished, done_seeds, strict=True):
            exams.submit_attempt(app.extensions["lms.db"].unit_of_work(), catalog, attempt_id, user_id,
                                 MultiDict(right_answers(self.exam, seed)).getlist, dt.datetime.now(dt.UTC))
        admins = signed_sessions(app, create_agents(app, 5, "admin-", role="admin"))
        html, json_ = "text/html", "application/json"
        self.pools: dict[str, list[list[str]]] = {
            "module page": [["GET", f"/learn/{key}", cookie, "", html]
                            for (cookie, _), key in zip(cookies, self.reading.values(), strict=True)],
            "heartbeat": [["POST", f"/learn/{key}/heartbeat", cookie, form({"opened": [note], "csrf_token": [token]}),
                           html] for (cookie, token), key, note in zip(cookies, self.reading.values(), self.notes,
                                                                       strict=True)],
            "exam intro": [["GET", f"/exams/{EXAM_KEY}", cookie, "", html] for cookie, _ in taker_cookies],
            "start": [["POST", f"/exams/{EXAM_KEY}/start", cookie, form({"csrf_token": [token]}), html]
                      for cookie, token in signed_sessions(app, starters)],
            "attempt page": [["GET", f"/attempts/{attempt}", cookie, "", html]
                             for (cookie, _), attempt in zip(taker_cookies, self.open, strict=True)],
            "autosave": [["POST", f"/attempts/{attempt}/save", cookie,
                          form({**attempt_form(app, self.exam, attempt, seed), "csrf_token": [token]}), json_]
                         for (cookie, token), attempt, seed in zip(taker_cookies, self.open, seeds, strict=True)],
            "submit": [["POST", f"/attempts/{attempt}/submit", cookie,
                        form({**attempt_form(app, self.exam, attempt, seed), "confirm": ["yes"],
                              "csrf_token": [token]}), html]
                       for (cookie, token), attempt, seed in zip(signed_sessions(app, submitters), self.submitting,
                                                                 submit_seeds, strict=True)],
            "result page": [["GET", f"/attempts/{attempt}/result", cookie, "", html]
                            for (cookie, _), attempt in zip(signed_sessions(app, done), finished, strict=True)],
            "admin people list": [["GET", "/admin/users", cookie, "", html] for cookie, _ in admins],
            "admin dashboard": [["GET", "/admin/stats/programs/py2022", cookie, "", html] for cookie, _ in admins],
        }

    def _progress_rows(self, reading: dict[int, str]) -> None:
        now = dt.datetime.now(dt.UTC)
        rows = [{"user_id": user_id, "module_key": key, "first_seen_at": now, "last_seen_at": now, "seconds_spent": 0,
                 "counted_until": int(now.timestamp())} for user_id, key in reading.items()]
        with self.app.extensions["lms.db"].unit_of_work() as uow, uow.write() as db:
            db.execute(insert(ModuleProgress), rows)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Load:
    """Runs the steps against one server, keeping track of which lines were sent."""

    def __init__(self, population: Population, server: Gunicorn, work: Path):
        self.population, self.server, self.work = population, server, work
        self.plan = work / "plan.json"
        kinds = [{"name": kind, "weight": MIX[kind], "status": EXPECT[kind][0], "location": EXPECT[kind][1],
                  "marker": EXPECT[kind][2], "unique": kind in UNIQUE} for kind in MIX]
        self.plan.write_text(json.dumps({"port": server.port, "kinds": kinds, "pools": population.pools}))
        self.cursors: list[dict[str, int]] = [{} for _ in range(CLIENTS)]
        self.sent: dict[str, set[int]] = {kind: set() for kind in MIX}
        self.requests = dict.fromkeys(MIX, 0)

    def starts(self) -> dict[str, int]:
        """Where each repeated kind starts this step, at random: no agent is always first."""
        return {kind: random.randrange(len(pool)) for kind, pool in self.population.pools.items() if kind not in UNIQUE}

    def step(self, rate: int, seconds: int) -> dict:
        start_at = time.time() + 2  # every client loaded and waiting when the first request is due
        processes = []
        for index in range(CLIENTS):
            step = self.work / f"step-{index}.json"
            step.write_text(json.dumps({"process": index, "processes": CLIENTS, "rate": rate / CLIENTS,
                                        "seconds": seconds, "start_at": start_at, "seed": random.random(),
                                        "cursors": {**self.starts(), **self.cursors[index]}}))
            out = self.work / f"result-{index}.json"
            processes.append((subprocess.Popen([sys.executable, str(HERE / "openload.py"), str(self.plan), str(step),
                                                str(out)]), out))
        cpu, stolen = self.server.cpu_seconds(), stolen_cpu_seconds()
        reports = []
        for process, out in processes:
            if process.wait() != 0:
                raise RuntimeError("a load client failed")
            reports.append(json.loads(out.read_text()))
        server_cpu, stolen = self.server.cpu_seconds() - cpu, stolen_cpu_seconds() - stolen
        latencies: list[float] = []
        kinds: dict[str, dict] = {}
        errors, notes = 0, []
        for index, report in enumerate(reports):
            for kind, found in report["kinds"].items():
                self.sent[kind].update(index + CLIENTS * line for line in found["sent"])
                self.requests[kind] += len(found["sent"])
                if kind in UNIQUE:
                    self.cursors[index][kind] = found["cursor"]
                latencies += found["latencies"]
                mine = kinds.setdefault(kind, {"latencies": [], "errors": 0})
                mine["latencies"] += found["latencies"]
                mine["errors"] += found["errors"]
                errors += found["errors"]
                if found["first_error"]:
                    notes.append(f"{kind}: {found['first_error']}")
            notes += [f"{kind}: prepared lines ran out" for kind in report["exhausted"]]
        errors += sum(len(report["exhausted"]) for report in reports)
        p95 = _percentile(latencies, 0.95)
        return {"rate": rate, "achieved": len(latencies) / seconds, "p50": _percentile(latencies, 0.5), "p95": p95,
                "p99": _percentile(latencies, 0.99), "errors": errors, "notes": notes, "kinds": kinds,
                "client_cpu": sum(report["cpu"] for report in reports), "server_cpu": server_cpu, "stolen": stolen,
                "seconds": seconds, "late_ms": max(report["late_ms"] for report in reports),
                "passed": p95 < P95_LIMIT_MS and errors == 0}


def run_database(label: str, url: str, work: Path) -> bool:
    env = app_env(url, random_secret(), work)
    os.environ.update(env)
    app = create_app()
    started = time.time()
    population = Population(app)
    app.extensions["lms.db"].dispose()
    print(f"\n{label}: {AGENTS} agents and their sessions prepared in {time.time() - started:.0f} s", flush=True)
    server = Gunicorn("lms.app:create_app()", env, workers=WORKERS)
    try:
        load = Load(population, server, work)
        print(f"{'step':>8} {'sent/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} "
              f"{'client CPU':>10} {'server CPU':>10} {'stolen':>7}  verdict", flush=True)
        measured, best = [], None
        for number, (rate, seconds) in enumerate([(STEPS[0], WARMUP_SECONDS)] + [(rate, SECONDS) for rate in STEPS]):
            result = load.step(rate, seconds)
            warmup = number == 0  # workers load the catalog and fill caches; not judged
            verdict = "warm-up" if warmup else ("ok" if result["passed"] else "FAILED")
            print(f"{rate:>8} {result['achieved']:>7.0f} {result['p50']:>7.1f} {result['p95']:>7.1f} "
                  f"{result['p99']:>7.1f} {result['errors']:>6} {result['client_cpu']:>9.1f}s "
                  f"{result['server_cpu']:>9.1f}s {result['stolen']:>6.1f}s  {verdict}", flush=True)
            if result["notes"]:
                print("         first errors:", "; ".join(result["notes"][:4]))
            if warmup:
                continue
            measured.append(result)
            if not result["passed"]:
                break
            best = result
        rss = server.rss_mb()
    finally:
        server.stop()
    for step in measured[-2:]:
        print(f"  p95 by kind at {step['rate']} req/s: " + ", ".join(
            f"{kind} {_percentile(found['latencies'], 0.95):.0f}" for kind, found in step["kinds"].items()
            if found["latencies"]))
    verdicts = _check(app, population, load)
    client = sum(step["client_cpu"] for step in measured)
    server_cpu = sum(step["server_cpu"] for step in measured)
    wall = sum(step["seconds"] for step in measured)
    share = client / (wall * (os.cpu_count() or 1))
    print(f"  the clients used {client:.1f} s of CPU in {wall} s of steps, {share:.0%} of the machine (the server's "
          f"workers: {server_cpu:.1f} s); scheduling fell behind by at most "
          f"{max(step['late_ms'] for step in measured):.0f} ms")
    print(f"  RSS per worker after the run: {', '.join(f'{size:.0f} MB' for size in rss)}")
    rate = best["rate"] if best else 0
    agents = rate / PER_AGENT
    met = agents >= TARGET_AGENTS
    print(f"  highest rate with p95 < {P95_LIMIT_MS} ms and zero errors: {rate} req/s = {agents:,.0f} concurrent "
          f"agents (target {TARGET_AGENTS:,} = {TARGET_AGENTS * PER_AGENT:.0f} req/s: {'met' if met else 'MISSED'})"
          + ("" if not best or best is not measured[-1] else "; every step passed, so the limit is higher still"))
    app.extensions["lms.db"].dispose()
    return met and verdicts


def _check(app, population: Population, load: Load) -> bool:
    sent = load.sent
    lines = [
        checks.submitted(app, population.submitting, len(sent["submit"])),
        checks.started(app, population.starters, len(sent["start"])),
        checks.autosaves(app, population.exam, [population.open[i] for i in sorted(sent["autosave"])],
                         [a for i, a in enumerate(population.open) if i not in sent["autosave"]]),
    ]
    readers = list(population.reading.items())
    sent_to = {readers[i]: population.notes[i] for i in sent["heartbeat"]}
    # Agents heartbeat a minute or more apart here, and notes were signed at preparation: at most what passed.
    lines.append(checks.heartbeats(app, sent_to, exact=False))
    for line in lines:
        print(f"  check: {line}")
    print("  requests sent by kind: " + ", ".join(
        f"{kind} {count}" + (f" (of {len(population.pools[kind])} prepared, each once)" if kind in UNIQUE else "")
        for kind, count in load.requests.items()))
    return not any("MISMATCH" in line for line in lines)


def main() -> None:
    print(f"capacity: open-model load, steps {STEPS} req/s x {SECONDS} s, {CLIENTS} client processes "
          f"({EVENT_LOOP[0]} event loop), gunicorn "
          f"--workers {WORKERS}; {PER_AGENT:.4f} req/s per concurrent agent, so {TARGET_AGENTS:,} agents = "
          f"{TARGET_AGENTS * PER_AGENT:.0f} req/s")
    print("mix: " + ", ".join(f"{kind} {share / PER_AGENT:.2%}" for kind, share in MIX.items()))
    unknown = set(DATABASES) - {"sqlite", "pg"}
    if unknown:
        sys.exit(f"CAPACITY_DATABASES names sqlite, pg or both (comma-separated), not {', '.join(sorted(unknown))}")
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="lms-capacity-") as folder:
        work = Path(folder)
        if "sqlite" in DATABASES:
            verdicts.append(run_database("SQLite", sqlite_database(work, "capacity.db"), work))
        if "pg" in DATABASES:
            with postgres_database("lms_bench_capacity") as postgres:
                if postgres is None:
                    print("\nPostgreSQL: skipped (no server)")
                else:
                    verdicts.append(run_database("PostgreSQL", postgres, work))
    print(f"\ntarget met on every database, every check passed: {'yes' if all(verdicts) else 'NO'}")


if __name__ == "__main__":
    main()
