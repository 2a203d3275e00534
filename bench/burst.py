"""PostgreSQL burst: 500 agents start an attempt at the same moment, then all 500 submit at once.

Counts the rows afterwards to show each start and each submission was recorded exactly once.
Run by bench/web.py; database lms_bench_burst on the server of LMS_BENCH_DATABASE_URL.
"""

from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from fixtures import attempt_form, create_agents, random_secret, signed_sessions
from harness import Gunicorn, app_env, form, postgres_database
from sqlalchemy import func, select

from lms.app import create_app
from lms.models import Attempt, AuditEntry

BURST = 500
EXAM_KEY = "py2022/marketplace/eligibility"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _post(base: str, path: str, cookie: str, body: str) -> tuple[int, str]:
    request = urllib.request.Request(base + path, data=body.encode(), method="POST", headers={"Cookie": cookie})
    try:
        with urllib.request.build_opener(NoRedirect()).open(request, timeout=120) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def _burst(calls) -> tuple[float, list]:
    """Run every call in its own thread, all released at once; (seconds, results)."""
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


def postgres_burst(work: Path) -> None:
    with postgres_database("lms_bench_burst") as url:
        if url is None:
            print("\nPostgreSQL burst: skipped (no server)")
            return
        env = app_env(url, random_secret(), work)
        os.environ.update(env)
        app = create_app()
        exam = app.extensions["lms.catalog"].catalog.exams[EXAM_KEY]
        ids = create_agents(app, BURST, "burst-")
        agents = list(zip(ids, signed_sessions(app, ids), strict=True))
        server = Gunicorn("lms.app:create_app()", env, threads=8)
        try:
            start_s, starts = _burst([
                lambda c=cookie, t=token: _post(server.base, f"/exams/{EXAM_KEY}/start", c, form({"csrf_token": [t]}))
                for _, (cookie, token) in agents])
            with app.extensions["lms.db"].reading() as db:
                attempts = {a.user_id: a for a in db.scalars(select(Attempt))}
            calls = []
            for user_id, (cookie, token) in agents:
                attempt = attempts[user_id]
                body = form({**attempt_form(app, exam, attempt.id, attempt.seed), "csrf_token": [token]})
                calls.append(lambda a=attempt, c=cookie, b=body: _post(server.base, f"/attempts/{a.id}/submit", c, b))
            submit_s, submits = _burst(calls)
        finally:
            server.stop()
        with app.extensions["lms.db"].reading() as db:
            rows = db.scalar(select(func.count()).select_from(Attempt))
            per_user = db.scalar(select(func.count(func.distinct(Attempt.user_id))))
            submitted = db.scalar(select(func.count()).select_from(Attempt).where(Attempt.status == "submitted"))
            scored = db.scalar(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.action == "attempt.scored"))
        app.extensions["lms.db"].dispose()
    ok_starts = sum(1 for status, location in starts if status == 302 and "/attempts/" in location)
    ok_submits = sum(1 for status, location in submits if status == 302 and location.endswith("/result"))
    print(f"\nPostgreSQL burst ({BURST} agents, gunicorn 2 workers x 8 threads):")
    print(f"  {BURST} concurrent starts in {start_s:.2f} s: {ok_starts} redirected to their attempt")
    print(f"  {BURST} concurrent submissions in {submit_s:.2f} s: {ok_submits} redirected to their result")
    print(f"  rows: {rows} attempts for {per_user} agents, {submitted} submitted, {scored} scoring records "
          f"-> {'each recorded exactly once' if rows == per_user == submitted == scored == BURST else 'MISMATCH'}")
