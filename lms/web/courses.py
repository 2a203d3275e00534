"""Course pages for signed-in agents: programs, their tracks and modules, agreement texts and content assets."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user, login_required

from lms.content import paths
from lms.extensions import catalog, clock
from lms.services import acceptances, agreements
from lms.services.errors import FieldErrors
from lms.web.database import db_session, uow
from lms.web.errors import show_field_errors
from lms.web.forms import AcceptAgreementForm
from lms.web.throttle import client_address

bp = Blueprint("courses", __name__)


@bp.before_request
@login_required
def require_sign_in():
    """Course material is for signed-in agents; only the RCL and certificate checks are public."""


@bp.get("/courses")
def index():
    found = catalog()
    return render_template("courses/index.html", catalog=found, programs=found.programs_newest_first())


def _agreement_or_404(program: str, slug: str):
    found = catalog()
    agreement = found.agreements.get(f"{program}/{slug}") or abort(404)
    return agreement, found.programs[program]


def _agreement_page(agreement, program, form: AcceptAgreementForm, status: int = 200):
    state = acceptances.state(db_session(), current_user.id, agreement)
    return render_template("courses/agreement.html", agreement=agreement, program=program, state=state,
                           form=form, profile=current_user.profile), status


@bp.get("/learn/<program>/agreements/<slug>")
def agreement(program: str, slug: str):
    found, program_found = _agreement_or_404(program, slug)
    return _agreement_page(found, program_found, AcceptAgreementForm())


@bp.post("/learn/<program>/agreements/<slug>")
def accept_agreement(program: str, slug: str):
    found, program_found = _agreement_or_404(program, slug)
    form = AcceptAgreementForm()
    if not form.validate_on_submit():
        return _agreement_page(found, program_found, form, 422)
    try:
        agreements.accept(uow(), catalog(), program_found, current_user.id, found.key, agreed=bool(form.agree.data),
                          typed_name=form.full_name.data or "", ip_address=client_address(),
                          user_agent=request.headers.get("User-Agent", ""), now=clock().now())
    except FieldErrors as error:
        show_field_errors(form, error)
        return _agreement_page(found, program_found, form, 422)
    flash(f"You accepted the {found.title}, version {found.version}.", "success")
    return redirect(url_for("player.tracker"))


@bp.get("/assets/<path:path>")
def asset(path: str):
    """Images and files that content links to; only files some content references are served.

    The check is made again here, on the file as it is now: a link swapped in after loading is refused.
    """
    found = catalog()
    if path not in found.assets or paths.leaves_content(found.root, path):
        abort(404)
    return send_from_directory(found.root, path, max_age=3600)
