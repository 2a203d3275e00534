"""The public catalog: programs, their tracks and modules, agreement texts and content assets."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, send_from_directory
from flask_login import login_required

from lms.web.catalog_store import current_catalog

bp = Blueprint("catalog", __name__)


@bp.before_request
@login_required
def require_sign_in():
    """Course material is for signed-in agents; only the RCL and certificate checks are public."""


@bp.get("/courses")
def index():
    catalog = current_catalog()
    return render_template("catalog/index.html", catalog=catalog, programs=catalog.programs_newest_first())


@bp.get("/learn/<program>/agreements/<slug>")
def agreement(program: str, slug: str):
    catalog = current_catalog()
    found = catalog.agreements.get(f"{program}/{slug}") or abort(404)
    return render_template("catalog/agreement.html", agreement=found, program=catalog.programs.get(program))


@bp.get("/assets/<path:path>")
def asset(path: str):
    """Images and files that content links to; only files some content references are served."""
    catalog = current_catalog()
    if path not in catalog.assets:
        abort(404)
    return send_from_directory(catalog.root, path, max_age=3600)
