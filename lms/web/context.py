"""What several views need: the signed-in agent, the agent's current program."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from lms.content import Program
from lms.extensions import catalog, clock
from lms.services import programs
from lms.web.database import db_session


def current_program_or_404() -> Program:
    program = programs.current_program(db_session(), catalog(), clock().today())
    if program is None:
        abort(404)
    return program


def signed_in() -> Any:
    """Who is signed in (`sessions.SignedIn`), itself rather than Flask-Login's proxy: the services a page
    calls read its attributes dozens of times, and each read through the proxy is a context lookup and a
    call into Flask-Login (a home page made 26 of them)."""
    return current_user._get_current_object()
