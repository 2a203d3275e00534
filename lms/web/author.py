"""For authors and admins: the content report `lms check` prints with every item's status, a reload button,
previews of modules and exams with the answer key, and the content versions each exam's attempts were taken on."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from lms.extensions import catalog, catalog_store
from lms.services import authoring
from lms.web.database import db_session
from lms.web.security import role_required

bp = Blueprint("author", __name__, url_prefix="/author")


@bp.before_request
@role_required("author", "admin")
def require_author():
    """Authors and admins only."""


@bp.get("/content")
def content():
    found = catalog()
    return render_template("author/content.html", catalog=found, problems=found.problems,
                           status=authoring.content_status(found))


@bp.post("/content/reload")
def reload_content():
    store = catalog_store()
    reloaded = store.reload()
    flash(f"Content reloaded: {store.loader.rebuilt_last_load} changed files re-rendered; "
          f"{reloaded.error_count} errors, {reloaded.warning_count} warnings.", "success")
    return redirect(url_for("author.content"))


@bp.get("/modules/<path:module_key>")
def module_preview(module_key: str):
    return render_template("author/module_preview.html", preview=authoring.module_preview(catalog(), module_key))


@bp.get("/exams/<path:exam_key>/preview")
def exam_preview(exam_key: str):
    preview = authoring.exam_preview(db_session(), catalog(), exam_key, request.args.get("answered", "right"),
                                     request.args.get("version") or None)
    return render_template("author/exam_preview.html", preview=preview, exam=preview.exam, module=preview.module,
                           sections=preview.sections, level="explanations")


@bp.get("/exams/<path:exam_key>/versions")
def exam_versions(exam_key: str):
    page = request.args.get("page", "1")
    found = authoring.exam_versions(db_session(), catalog(), exam_key, int(page) if page.isdigit() else 1)
    return render_template("author/exam_versions.html", versions=found)
