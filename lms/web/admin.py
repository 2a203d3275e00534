"""Administration: people, identity attestation, roles and the current program."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.extensions import catalog, clock
from lms.models.people import ROLES
from lms.services import accounts, certificates, exam_resets, exams, people, people_list, person, programs
from lms.web.context import current_program_or_404
from lms.web.database import db_session, uow
from lms.web.errors import redirect_on_rule_error
from lms.web.security import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required("admin")
def require_admin():
    """Every admin page is for admins only, checked on the server."""


@bp.get("/")
def index():
    return redirect(url_for("admin.users"))


def _program():
    return programs.current_program(db_session(), catalog(), clock().today())


@bp.get("/users")
def users():
    chosen = people_list.PeopleFilter.from_args(request.args)
    page = people_list.people_page(db_session(), catalog(), _program(), chosen)
    return render_template("admin/users.html", page=page, filter=page.filter, lists=people_list)


@bp.get("/users/<id:user_id>")
def user(user_id: int):
    found = person.person(db_session(), catalog(), _program(), user_id)
    return render_template("admin/user.html", person=found, user=found.user, roles=ROLES)


@bp.get("/users/<id:user_id>/attempts/<id:attempt_id>")
def attempt(user_id: int, attempt_id: int):
    found = person.attempt_answers(db_session(), user_id, attempt_id)
    return render_template("admin/attempt.html", found=found, user=found.user, attempt=found.attempt, exam=found.exam)


@bp.post("/users/<id:user_id>/grant")
@redirect_on_rule_error("admin.user")
def grant_attempt(user_id: int):
    exam = catalog().exams.get(request.form.get("exam", "")) or abort(404)
    exams.grant_attempt(uow(), exam, user_id, current_user.id, request.form.get("reason", ""),
                        even_after_review=request.form.get("even_after_review") == "yes")
    flash(f"One more attempt at “{exam.title}” granted; the agent can start it now.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<id:user_id>/reset")
@redirect_on_rule_error("admin.user")
def reset_exam(user_id: int):
    exam = catalog().exams.get(request.form.get("exam", "")) or abort(404)
    reset = exam_resets.reset_exam(uow(), exam, user_id, current_user.id, request.form.get("reason", ""),
                                   clock().now())
    flash(f"“{exam.title}” is reset: {reset} attempt{'s' * (reset != 1)} kept for history, no longer counted. "
          f"The agent has {exam.attempts or 'unlimited'} attempts again.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<id:user_id>/certificates/<code>/revoke")
@redirect_on_rule_error("admin.user")
def revoke_certificate(user_id: int, code: str):
    revoked = certificates.revoke(uow(), code, current_user.id, request.form.get("reason", ""), clock().now())
    flash(f"Certificate {revoked.code} is revoked; the verification page now says so.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<id:user_id>/identity")
@redirect_on_rule_error("admin.user")
def attest_identity(user_id: int):
    attested = people.attest_identity(uow(), user_id, current_user.id, catalog(), current_program_or_404(),
                                      reason=request.form.get("reason", ""))
    flash(f"Identity verified for {attested.email}.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<id:user_id>/role")
@redirect_on_rule_error("admin.user")
def set_role(user_id: int):
    role = request.form.get("role", "")
    changed = accounts.set_role(uow(), user_id, role, current_user.id, reason=request.form.get("reason", ""))
    flash(f"{changed.email} is now {role}.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.get("/program")
def program():
    return render_template("admin/program.html", programs=catalog().programs_newest_first(),
                           chosen=programs.admin_choice(db_session()),
                           automatic=catalog().current_program(clock().today()))


@bp.post("/program")
@redirect_on_rule_error("admin.program")
def set_program():
    programs.set_current_program(uow(), catalog(), request.form.get("program") or None, current_user.id)
    flash("Current program saved.", "success")
    return redirect(url_for("admin.program"))
