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


@bp.get("/learn/<program>/<track>")
def track(program: str, track: str):
    catalog = current_catalog()
    found = catalog.tracks.get(f"{program}/{track}") or abort(404)
    return render_template("catalog/track.html", catalog=catalog, track=found,
                           program=catalog.programs[found.program_key], modules=catalog.modules_of(found))


@bp.get("/learn/<program>/<track>/<module>")
def module(program: str, track: str, module: str):
    catalog = current_catalog()
    found = catalog.modules.get(f"{program}/{track}/{module}")
    if found is None or found.track_key not in catalog.tracks:
        abort(404)
    previous, following = catalog.neighbours(found)
    return render_template("catalog/module.html", catalog=catalog, module=found,
                           track=catalog.tracks[found.track_key], previous=previous, following=following,
                           exam=catalog.exams.get(found.exam_key) if found.exam_key else None)


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
