"""Administration figures: each program's dashboard, and each exam's scores and item analysis."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, stream_with_context, url_for
from markupsafe import Markup

from lms.extensions import catalog
from lms.services import attempt_table, dashboard, item_analysis, svg_charts
from lms.web.context import current_program_or_404
from lms.web.database import db_session
from lms.web.security import role_required

bp = Blueprint("admin_stats", __name__, url_prefix="/admin/stats")


@bp.before_request
@role_required("admin")
def require_admin():
    """Every figure here is for admins only, checked on the server."""


@bp.get("/")
def index():
    return redirect(url_for("admin_stats.program", program_key=current_program_or_404().key))


@bp.get("/programs/<program_key>")
def program(program_key: str):
    found = catalog().programs.get(program_key) or abort(404)
    board = dashboard.dashboard(db_session(), catalog(), found)
    return render_template("admin/dashboard.html", board=board, programs=catalog().programs_newest_first(),
                           charts=_charts(board))


def _percent(part: float | None) -> str:
    return "none yet" if part is None else f"{100 * part:.0f}%"


def _charts(board: dashboard.Dashboard) -> dict[str, Markup | None]:
    """The dashboard's figures drawn; None where there is nothing to draw yet."""
    funnel = [svg_charts.Bar(stage.title, stage.agents, f"{stage.agents:,} ({_percent(stage.of_start)})"
                             if stage.of_start is not None else f"{stage.agents:,}") for stage in board.funnel]
    taken = [figures for figures in board.exams if figures.agents]
    busiest = board.busiest
    return {
        "funnel": svg_charts.horizontal_bars("funnel-chart", "Registration funnel: agents who reached each step",
                                             funnel) if board.funnel and board.funnel[0].agents else None,
        "exams": svg_charts.horizontal_bars(
            "exams-chart", "Pass rate per exam: agents with a passing attempt, of those who took it",
            [svg_charts.Bar(f.exam.title, 100 * (f.pass_rate or 0), f"{_percent(f.pass_rate)} of {f.agents:,}")
             for f in taken], maximum=100) if taken else None,
        "per_day": svg_charts.daily_columns(
            "per-day-chart", f"{board.registration_title} registrations completed per day", board.per_day,
            f"{board.completions:,} completed from {board.per_day[0][0]:%B %-d, %Y} to "
            f"{board.per_day[-1][0]:%B %-d, %Y}"
            f"; the busiest day was {busiest[0]:%B %-d, %Y} with {busiest[1]:,}.") if busiest else None,
    }


@bp.get("/exams/<path:exam_key>")
def exam(exam_key: str):
    report = item_analysis.exam_report(db_session(), catalog(), exam_key, request.args.get("version") or None)
    return render_template("admin/exam_stats.html", report=report, thresholds=item_analysis.THRESHOLDS)


@bp.get("/exams/<path:exam_key>/attempts")
def attempts(exam_key: str):
    table = attempt_table.attempt_table(db_session(), catalog(), exam_key, attempt_table.parse_filter(request.args))
    return render_template("admin/exam_attempts.html", table=table, sorts=attempt_table.SORTS,
                           results=attempt_table.RESULTS)


@bp.get("/exams/<path:exam_key>/attempts.csv")
def attempts_csv(exam_key: str):
    lines = attempt_table.csv_lines(db_session(), catalog(), exam_key, attempt_table.parse_filter(request.args))
    filename = f"attempts-{exam_key.replace('/', '-')}.csv"
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
