"""What several views need: the agent's current program."""

from __future__ import annotations

from flask import abort

from lms.content import Program
from lms.extensions import catalog, clock
from lms.services import programs
from lms.web.database import db_session


def current_program_or_404() -> Program:
    program = programs.current_program(db_session(), catalog(), clock().today())
    if program is None:
        abort(404)
    return program
