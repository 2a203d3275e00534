"""Administration: people, identity attestation, roles and the current program."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.extensions import catalog, clock
from lms.models import User
from lms.models.people import ROLES
from lms.services import accounts, audit, certificates, exams, people, programs
from lms.services.profiles import NPN_STATUS_WORDS
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


@bp.get("/users")
def users():
    query = request.args.get("q", "")
    return render_template("admin/users.html", users=people.find_users(db_session(), query), query=query)


@bp.get("/users/<id:user_id>")
def user(user_id: int):
    found = db_session().get(User, user_id) or abort(404)
    npn_words = NPN_STATUS_WORDS[found.profile.npn_status] if found.profile else None
    return render_template("admin/user.html", user=found, entries=audit.entries_for(db_session(), found.id),
                           roles=ROLES, npn_words=npn_words,
                           certificates=certificates.for_user(db_session(), found.id),
                           locked=exams.locked_exams(db_session(), catalog(), found.id))


@bp.post("/users/<id:user_id>/grant")
@redirect_on_rule_error("admin.user")
def grant_attempt(user_id: int):
    exam = catalog().exams.get(request.form.get("exam", "")) or abort(404)
    exams.grant_attempt(uow(), exam, user_id, current_user.id, request.form.get("reason", ""),
                        even_after_review=request.form.get("even_after_review") == "yes")
    flash(f"One more attempt at “{exam.title}” granted; the agent can start it now.", "success")
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
    attested = people.attest_identity(uow(), user_id, current_user.id, catalog(), current_program_or_404())
    flash(f"Identity verified for {attested.email}.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<id:user_id>/role")
@redirect_on_rule_error("admin.user")
def set_role(user_id: int):
    role = request.form.get("role", "")
    changed = accounts.set_role(uow(), user_id, role, current_user.id)
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
