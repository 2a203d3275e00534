"""Instructions a hot path costs, counted by valgrind's callgrind: a size that a noisy machine does not move.

On a shared 2-core machine the same code's timings differ by half between runs, and gunicorn ratios
by a third, so a change of a few per cent cannot be seen in req/s. This runs N requests in-process
(Flask test client) on SQLite, after the same warm-up, with the hash seed fixed, under callgrind with
instrumentation switched on for the measured requests only, and prints the instructions a request
took (SQLite's engine runs in the process and is counted; system calls' kernel time is not). Run it
for two checkouts and compare: `PYTHONPATH=<checkout> python bench/instructions.py submit`.

  python bench/instructions.py module|intro|attempt|home|tracker|hod|heartbeat|autosave|start|submit|result [N]
                                                        (N measured requests, default 200)

`home` and `tracker` are the agent's home page and Registration Tracker, for 300 demo agents at every
stage of the registration (`lms demo`'s mix); `hod` is the Help On Demand module page (a track that
unlocks with the registration) for those whose registration is complete.
`attempt` is 100 agents reloading their open attempt's page in turn.
`start` is the exam's Start button pressed by agents without an attempt, each once. `autosave` is
100 agents' open attempts saved in turn, as the exam page's script saves them (the form,
URL-encoded, asking for JSON). `result` is each agent's first look at a scored attempt's result,
as after a submission: every other one passed, the rest failed with the sections to re-read listed.

Environment: BENCH_GC=off turns the garbage collector off for the measured requests (the work
itself, without the collections its allocations bring on). BENCH_POSTGRES=1 runs on a fresh
PostgreSQL database (LMS_BENCH_DATABASE_URL's server, see bench/harness.py) instead of SQLite: then
the count is the worker's side alone (the driver, its parameters and results), since the server's
work happens in its own processes. Needs valgrind (Debian's package). A figure, not a test; not
part of `make bench`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixtures import (  # noqa: E402
    attempt_form,
    create_agents,
    open_attempts,
    random_secret,
    seat_tokens,
    signed_sessions,
)
from harness import app_env, form, postgres_database, sqlite_database  # noqa: E402
from sqlalchemy import select  # noqa: E402
from web import EXAM_KEY, MODULE_KEY  # noqa: E402  (the same module and exam as the web benchmark)

from lms.models import RegistrationCompletion, User  # noqa: E402
from lms.services import demo  # noqa: E402

WARM_UP = 200
PAGES = {"module": f"/learn/{MODULE_KEY}", "intro": f"/exams/{EXAM_KEY}"}
# Pages of agents at every stage of the registration (demo agents), or only registered ones (`hod`).
AGENT_PAGES = {"home": "/home", "tracker": "/tracker", "hod": "/learn/py2022/help-on-demand/help-on-demand"}
_INSIDE = "LMS_BENCH_UNDER_CALLGRIND"


def requests(app, kind: str, count: int):
    """`count` request functions, each to fresh data where the scenario says so (a submission)."""
    client = app.test_client(use_cookies=False)
    client.environ_base.pop("HTTP_USER_AGENT", None)  # as wrk sends them, matching the signed sessions
    if kind in PAGES:
        cookies = signed_sessions(app, create_agents(app, 100, "page-"))  # agents without an attempt
        return [lambda i=i: client.get(PAGES[kind], headers={"Cookie": cookies[i % 100][0]}) for i in range(count)]
    if kind in AGENT_PAGES:
        cookies = signed_sessions(app, demo_agents(app, registered=kind == "hod"))
        return [lambda i=i: client.get(AGENT_PAGES[kind], headers={"Cookie": cookies[i % len(cookies)][0]})
                for i in range(count)]
    if kind == "heartbeat":  # 100 agents with the module page open, sending heartbeats in turn (each counts
        # the seconds since that agent's last one, as the page's script does every minute)
        ids = create_agents(app, 100, "seat-")
        cookies = signed_sessions(app, ids)
        notes = [form({"opened": [note], "csrf_token": [token]})
                 for (_, token), note in zip(cookies, seat_tokens(app, ids, MODULE_KEY), strict=True)]
        return [lambda i=i: client.post(f"/learn/{MODULE_KEY}/heartbeat", data=notes[i % 100],
                                        headers={"Cookie": cookies[i % 100][0],
                                                 "Content-Type": "application/x-www-form-urlencoded"})
                for i in range(count)]
    exam = app.extensions["lms.catalog"].catalog.exams[EXAM_KEY]
    if kind == "attempt":  # 100 agents reloading their open attempt's page in turn
        ids = create_agents(app, 100, "reload-")
        attempts, _seeds = open_attempts(app, exam, ids)
        cookies = signed_sessions(app, ids)
        return [lambda i=i: client.get(f"/attempts/{attempts[i % 100]}", headers={"Cookie": cookies[i % 100][0]})
                for i in range(count)]
    if kind == "autosave":
        ids = create_agents(app, 100, "save-")
        attempts, seeds = open_attempts(app, exam, ids)
        saves = [(f"/attempts/{attempt}/save", cookie,
                  form({**attempt_form(app, exam, attempt, seed), "csrf_token": [token]}))
                 for (cookie, token), attempt, seed in zip(signed_sessions(app, ids), attempts, seeds, strict=True)]
        return [lambda i=i: client.post(saves[i % 100][0], data=saves[i % 100][2], headers={
            "Cookie": saves[i % 100][1], "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded"}) for i in range(count)]
    ids = create_agents(app, count, f"{kind}-")
    if kind == "start":
        starts = [(cookie, form({"csrf_token": [token]})) for cookie, token in signed_sessions(app, ids)]
        return [lambda cookie=cookie, body=body: client.post(
            f"/exams/{EXAM_KEY}/start", data=body,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}) for cookie, body in starts]
    attempts, seeds = open_attempts(app, exam, ids)
    made = []
    for number, ((cookie, token), attempt, seed) in enumerate(zip(signed_sessions(app, ids), attempts, seeds,
                                                                  strict=True)):
        answers = attempt_form(app, exam, attempt, seed, right=kind == "submit" or number % 2 == 0)
        body = form({**answers, "confirm": ["yes"], "csrf_token": [token]})
        made.append(lambda attempt=attempt, cookie=cookie, body=body: client.post(
            f"/attempts/{attempt}/submit", data=body,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}))
        if kind == "result":
            assert made[-1]().status_code == 302
            made[-1] = lambda attempt=attempt, cookie=cookie: client.get(f"/attempts/{attempt}/result",
                                                                        headers={"Cookie": cookie})
    return made


def demo_agents(app, registered: bool) -> list[int]:
    with app.app_context():
        demo.generate(app.extensions["lms.db"].unit_of_work(), app.extensions["lms.catalog"].catalog, count=300,
                      seed=1, now=dt.datetime.now(dt.UTC), password_hash="not used", admin_id=None)
    query = select(User.id).where(User.email.like(f"%@{demo.DOMAIN}")).order_by(User.id)
    if registered:
        query = query.where(User.id.in_(select(RegistrationCompletion.user_id).where(
            RegistrationCompletion.registration_key == "individual", RegistrationCompletion.lapsed_at.is_(None))))
    with app.extensions["lms.db"].unit_of_work() as uow:
        return list(uow.session.scalars(query))


def measure(kind: str, count: int) -> None:
    """Inside callgrind: set up, warm up, then count the measured requests only."""
    from lms.app import create_app

    work = Path(tempfile.mkdtemp(prefix="lms-instructions-"))
    with _database(work) as url:
        os.environ.update(app_env(url, random_secret(), work))
        _measure_on(create_app(), kind, count)
    shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def _database(work: Path) -> Iterator[str]:
    if not os.environ.get("BENCH_POSTGRES"):
        yield sqlite_database(work, "bench.db")
        return
    with postgres_database(f"lms_bench_instructions_{os.getpid()}") as url:
        if url is None:
            sys.exit("BENCH_POSTGRES is set but no PostgreSQL server answers")
        yield url


def _measure_on(app, kind: str, count: int) -> None:
    pages = (*PAGES, *AGENT_PAGES, "attempt", "result", "autosave")
    expected = 200 if kind in pages else 204 if kind == "heartbeat" else 302
    every = requests(app, kind, WARM_UP + count)
    for send in every[:WARM_UP]:
        assert send().status_code == expected
    if os.environ.get("BENCH_GC") == "off":
        gc.collect()
        gc.disable()
    subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, capture_output=True)
    for send in every[WARM_UP:]:
        if send().status_code != expected:
            sys.exit("a measured request failed")
    subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, capture_output=True)
    app.extensions["lms.db"].dispose()  # before its database is dropped


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    if kind not in (*PAGES, *AGENT_PAGES, "attempt", "heartbeat", "autosave", "start", "submit", "result"):
        sys.exit(__doc__)
    if os.environ.get(_INSIDE):
        measure(kind, count)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install --no-install-recommends valgrind)")
    with tempfile.TemporaryDirectory(prefix="lms-callgrind-") as folder:
        out = Path(folder) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                        sys.executable, __file__, kind, str(count)],
                       env={**os.environ, _INSIDE: "1", "PYTHONHASHSEED": "0"}, check=True, capture_output=True)
        totals = re.search(r"^totals: (\d+)", out.read_text(), re.MULTILINE)
    if totals is None:
        sys.exit("callgrind wrote no totals")
    where = "PostgreSQL, the worker's side" if os.environ.get("BENCH_POSTGRES") else "SQLite"
    print(f"{kind}: {int(totals.group(1)) / count:,.0f} instructions a request "
          f"({count} requests on {where}, garbage collector {os.environ.get('BENCH_GC', 'on')})")


if __name__ == "__main__":
    main()
