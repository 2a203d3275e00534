"""The request's unit of work: views hand it to services and read through its session."""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy.orm import Session

from lms.db import UnitOfWork
from lms.extensions import database


def init_app(app: Flask) -> None:
    @app.teardown_request
    def close_unit_of_work(_exc: BaseException | None) -> None:
        work = g.pop("_lms_uow", None)
        if work is not None:
            work.close()


def uow() -> UnitOfWork:
    context = g._get_current_object()  # one context lookup: a view asks for its unit of work several times
    work = context.get("_lms_uow")
    if work is None:
        work = context._lms_uow = database().unit_of_work()
    return work


def db_session() -> Session:
    """The request's session for reading; writes go through services and their transactions."""
    return uow().session
