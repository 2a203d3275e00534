"""Helpers views share: today's date, the catalog, the agent's current program."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app

from lms.content import Program
from lms.db import db_session
from lms.services import programs
from lms.web.catalog_store import current_catalog


def today() -> dt.date:
    override = current_app.config.get("TODAY")  # tests pin the date
    return dt.date.fromisoformat(override) if override else dt.date.today()


def current_program_or_404() -> Program:
    program = programs.current_program(db_session(), current_catalog(), today())
    if program is None:
        abort(404)
    return program
