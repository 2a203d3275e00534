"""Administration: people, identity attestation, roles and the current program."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.db import db_session
from lms.models import User
from lms.models.people import ROLES
from lms.services import accounts, audit, people, programs
from lms.services.errors import RuleError
from lms.services.profiles import NPN_STATUS_WORDS
from lms.web.catalog_store import current_catalog
from lms.web.context import today
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


def _user_or_404(user_id: int) -> User:
    return db_session().get(User, user_id) or abort(404)


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    found = _user_or_404(user_id)
    entries = [(entry, json.loads(entry.details)) for entry in audit.entries_for(db_session(), found.id)]
    npn_words = NPN_STATUS_WORDS[found.profile.npn_status] if found.profile else None
    return render_template("admin/user.html", user=found, entries=entries, roles=ROLES, npn_words=npn_words)


@bp.post("/users/<int:user_id>/identity")
def attest_identity(user_id: int):
    found = _user_or_404(user_id)
    try:
        people.attest_identity(db_session(), found, current_user)
        db_session().commit()
        flash(f"Identity verified for {found.email}.", "success")
    except RuleError as error:
        db_session().rollback()
        flash(str(error), "error")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/role")
def set_role(user_id: int):
    found = _user_or_404(user_id)
    role = request.form.get("role", "")
    if found.id == current_user.id and role != "admin":
        flash("You cannot remove your own admin role; ask another admin.", "error")
        return redirect(url_for("admin.user", user_id=user_id))
    try:
        accounts.set_role(db_session(), found, role, current_user.id)
        db_session().commit()
        flash(f"{found.email} is now {role}.", "success")
    except RuleError as error:
        db_session().rollback()
        flash(str(error), "error")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/program", methods=["GET", "POST"])
def program():
    catalog, session = current_catalog(), db_session()
    if request.method == "POST":
        key = request.form.get("program") or None
        try:
            programs.set_current_program(session, catalog, key, current_user.id)
            session.commit()
            flash("Current program saved.", "success")
        except RuleError as error:
            session.rollback()
            flash(str(error), "error")
        return redirect(url_for("admin.program"))
    return render_template("admin/program.html", programs=catalog.programs_newest_first(),
                           chosen=programs.admin_choice(session), automatic=catalog.current_program(today()))
