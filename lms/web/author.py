"""For authors and admins: the same content report `lms check` prints, and a reload button."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from lms.extensions import catalog, catalog_store
from lms.web.security import role_required

bp = Blueprint("author", __name__, url_prefix="/author")


@bp.before_request
@role_required("author", "admin")
def require_author():
    """Authors and admins only."""


@bp.get("/content")
def content():
    found = catalog()
    return render_template("author/content.html", catalog=found, problems=found.problems)


@bp.post("/content/reload")
def reload_content():
    store = catalog_store()
    reloaded = store.reload()
    flash(f"Content reloaded: {store.loader.rebuilt_last_load} changed files re-rendered; "
          f"{reloaded.error_count} errors, {reloaded.warning_count} warnings.", "success")
    return redirect(url_for("author.content"))
