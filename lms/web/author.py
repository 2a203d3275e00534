"""For authors and admins: the same content report `lms check` prints, and a reload button."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for

from lms.web.catalog_store import current_catalog
from lms.web.security import role_required

bp = Blueprint("author", __name__, url_prefix="/author")


@bp.before_request
@role_required("author", "admin")
def require_author():
    """Authors and admins only."""


@bp.get("/content")
def content():
    catalog = current_catalog()
    return render_template("author/content.html", catalog=catalog, problems=catalog.problems)


@bp.post("/content/reload")
def reload_content():
    store = current_app.extensions["lms.catalog"]
    catalog = store.reload()
    flash(f"Content reloaded: {store.loader.rebuilt_last_load} changed files re-rendered; "
          f"{catalog.error_count} errors, {catalog.warning_count} warnings.", "success")
    return redirect(url_for("author.content"))
