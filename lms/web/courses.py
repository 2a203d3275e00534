"""Course pages for signed-in agents: programs, their tracks and modules, agreement texts and content assets."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, send_from_directory
from flask_login import login_required

from lms.content import paths
from lms.extensions import catalog

bp = Blueprint("courses", __name__)


@bp.before_request
@login_required
def require_sign_in():
    """Course material is for signed-in agents; only the RCL and certificate checks are public."""


@bp.get("/courses")
def index():
    found = catalog()
    return render_template("courses/index.html", catalog=found, programs=found.programs_newest_first())


@bp.get("/learn/<program>/agreements/<slug>")
def agreement(program: str, slug: str):
    found = catalog()
    agreement = found.agreements.get(f"{program}/{slug}") or abort(404)
    return render_template("courses/agreement.html", agreement=agreement, program=found.programs.get(program))


@bp.get("/assets/<path:path>")
def asset(path: str):
    """Images and files that content links to; only files some content references are served.

    The check is made again here, on the file as it is now: a link swapped in after loading is refused.
    """
    found = catalog()
    if path not in found.assets or paths.leaves_content(found.root, path):
        abort(404)
    return send_from_directory(found.root, path, max_age=3600)
