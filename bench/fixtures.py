"""Bench data made fast: many agents with signed session cookies and open attempts.

Agents are inserted in bulk with one shared password hash (hashing thousands of passwords would
only measure argon2), and their session cookies are signed with the app's own serializer. For tens
of thousands of agents, `signed_sessions` inserts every server-side session in one statement.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Flask, g, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import insert, select

from lms.models import Attempt, User, UserSession
from lms.services import exam_versions, passwords, scoring, sessions, tokens
from lms.services.layout import layout_for, new_seed


def create_agents(app: Flask, count: int, prefix: str, role: str = "learner") -> list[int]:
    shared_hash = passwords.hash_password("bench passphrase not used")
    rows = [{"email": f"{prefix}{i}@bench.example", "password_hash": shared_hash, "role": role,
             "auth_version": 1, "created_at": dt.datetime.now(dt.UTC), "email_confirmed_at": dt.datetime.now(dt.UTC)}
            for i in range(count)]
    with app.extensions["lms.db"].unit_of_work() as uow, uow.write() as db:
        db.execute(insert(User), rows)
        return list(db.scalars(select(User.id).where(User.email.like(f"{prefix}%")).order_by(User.id)))


def session_cookie(app: Flask, user_id: int) -> tuple[str, str]:
    """(cookie header value, CSRF token) for a signed-in session of this agent."""
    # As login_user leaves it for a client on 127.0.0.1 (wrk sends no User-Agent).
    with app.extensions["lms.db"].unit_of_work() as uow:
        session_id = sessions.start(uow, user_id, "bench")  # signed-in sessions are kept on the server
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        session["_user_id"] = f"{user_id}:1"
        session["_lms_session"] = session_id
        session["_fresh"] = True
        session["_id"] = app.login_manager._session_identifier_generator()
        token = generate_csrf()
        data = dict(session)
    cookie = app.session_interface.get_signing_serializer(app).dumps(data)
    return f"session={cookie}", token


def signed_sessions(app: Flask, user_ids: list[int]) -> list[tuple[str, str]]:
    """`session_cookie` for many agents: their sessions inserted in one statement, cookies signed in one context."""
    now = dt.datetime.now(dt.UTC)
    ids = [secrets.token_urlsafe(32) for _ in user_ids]
    with app.extensions["lms.db"].unit_of_work() as uow, uow.write() as db:
        rows = [{"id": session_id, "user_id": user_id, "user_agent": "bench", "created_at": now}
                for session_id, user_id in zip(ids, user_ids, strict=True)]
        db.execute(insert(UserSession), rows)
    serializer = app.session_interface.get_signing_serializer(app)
    signed = []
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        identifier = app.login_manager._session_identifier_generator()
        for user_id, session_id in zip(user_ids, ids, strict=True):
            session.clear()
            g.pop("csrf_token", None)  # generate_csrf keeps one token per request: one per agent here
            session.update({"_user_id": f"{user_id}:1", "_lms_session": session_id, "_fresh": True,
                            "_id": identifier})
            token = generate_csrf()
            signed.append((f"session={serializer.dumps(dict(session))}", token))
    return signed


def seat_tokens(app: Flask, user_ids: list[int], module_key: str) -> list[str]:
    """The signed "page opened now" note each agent's module page would carry (for heartbeats)."""
    secret = app.config["SECRET_KEY"]
    return [tokens.seat_token(secret, user_id, module_key) for user_id in user_ids]


def open_attempts(app: Flask, exam, user_ids: list[int]) -> tuple[list[int], list[int]]:
    now = dt.datetime.now(dt.UTC)
    # With the deadline a start sets: a timed attempt's page shows it, in the agent's time zone.
    deadline = now + dt.timedelta(minutes=exam.time_limit_minutes) if exam.time_limit_minutes else None
    with app.extensions["lms.db"].unit_of_work() as uow, uow.write() as db:
        exam_versions.ensure_version(db, exam)
        rows = [{"user_id": uid, "exam_key": exam.key, "number": 1, "content_hash": exam.content_hash,
                 "seed": new_seed(), "status": "in_progress", "started_at": now, "deadline": deadline, "answers": {},
                 "timed_out": False, "results": {}} for uid in user_ids]
        db.execute(insert(Attempt), rows)
        found = db.execute(select(Attempt.id, Attempt.user_id, Attempt.seed).where(
            Attempt.exam_key == exam.key, Attempt.user_id.between(min(user_ids), max(user_ids))))
        by_user = {user_id: (attempt_id, seed) for attempt_id, user_id, seed in found}
    return [by_user[uid][0] for uid in user_ids], [by_user[uid][1] for uid in user_ids]


def right_answers(exam, seed: int) -> dict[str, list[str]]:
    """Form values answering an attempt correctly (what a well-prepared agent submits)."""
    return scoring.form_for(exam, layout_for(exam, seed), right=True)


def attempt_form(app: Flask, exam, attempt_id: int, seed: int, right: bool = True) -> dict[str, list[str]]:
    """What the attempt page's form sends when it is submitted: the answers and the page's layout note."""
    note = tokens.layout_note(app.config["SECRET_KEY"], attempt_id, exam.content_hash, seed)
    return {**scoring.form_for(exam, layout_for(exam, seed), right=right), tokens.LAYOUT_NOTE_FIELD: [note]}


def random_secret() -> str:
    return secrets.token_hex(32)
