"""Pages anyone may see without signing in: the landing page, certificate verification and the RCL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from flask import Blueprint, Response, abort, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from lms.extensions import catalog
from lms.services import certificates, rcl
from lms.services.csvfiles import CsvLines
from lms.services.errors import RuleError
from lms.services.us_states import STATES
from lms.web.database import db_session
from lms.web.throttle import RCL_SEARCH, VERIFY, throttle

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("player.home"))
    return render_template("public/home.html", programs=catalog().programs_newest_first())


@bp.get("/verify")
def verify_form():
    code = request.args.get("code", "")
    if code:
        return redirect(url_for("public.verify", code=code[:64]))
    return render_template("public/verify.html", result=None, code="")


@bp.get("/verify/<code>")
def verify(code: str):
    throttle().take(VERIFY, account=None)
    result = certificates.verify(db_session(), code[:64])
    program = catalog().programs.get(result.certificate.program_key) if result.certificate else None
    registration = program.registration(result.certificate.registration_key) if program and result.certificate \
        else None
    status = 404 if result.status == "unknown" else 200
    return render_template("public/verify.html", result=result, code=code[:64], program=program,
                           registration=registration), status


def _program_or_404(key: str):
    return catalog().programs.get(key) or abort(404)


@bp.get("/rcl/<program>")
def rcl_page(program: str):
    found = _program_or_404(program)
    throttle().take(RCL_SEARCH, account=None)
    try:
        search = rcl.parse_search(request.args.get("npn", ""), request.args.get("state", ""),
                                  request.args.get("after", ""))
    except RuleError as error:
        return render_template("public/rcl.html", program=found, rows=[], following=None, search=None,
                               error=str(error), states=sorted(STATES.items(), key=lambda item: item[1]),
                               query=request.args), 400
    rows, following = rcl.page(db_session(), found, search)
    return render_template("public/rcl.html", program=found, rows=rows, following=following, search=search,
                           error=None, states=sorted(STATES.items(), key=lambda item: item[1]), query=request.args)


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


@bp.get("/rcl/<program>.csv")
def rcl_csv(program: str):
    found = _program_or_404(program)
    throttle().take(RCL_SEARCH, account=None)
    try:
        search = rcl.parse_search("", request.args.get("state", ""), "")
    except RuleError as error:
        return Response(f"{error}\n", status=400, mimetype="text/plain")
    session = db_session()

    def lines() -> Iterator[str]:
        line = CsvLines()
        yield line(["npn", "name", "resident_state",
                    *(f"{registration.key}_registration_date" for registration in found.registrations), "npn_valid"])
        for row in rcl.stream(session, found, search.state):
            yield line([row.npn, row.name, row.resident_state, *(_iso(row.dates[r.key]) for r in found.registrations),
                        "yes" if row.npn_valid else "no"])

    filename = f"registration-completion-list-{found.key}.csv"
    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
