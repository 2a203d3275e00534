"""Admins upload the producer registry, prior-year completions and HOD statistics as CSV: preview, then confirm."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.services import uploads
from lms.services.csvfiles import CsvFileError
from lms.services.errors import NotFound, RuleError
from lms.services.imports import PlanChanged
from lms.web.database import db_session, uow
from lms.web.errors import error_page
from lms.web.security import role_required

bp = Blueprint("admin_uploads", __name__, url_prefix="/admin/uploads")
REJECTED_SHOWN = 500  # bad rows listed on a preview; the count says how many there are in all
SAMPLE_SHOWN = 20  # additions and updates shown on a preview


def _is_admin() -> bool:
    return current_user.is_authenticated and current_user.role == "admin"


@bp.url_value_preprocessor
def allow_large_files(_endpoint, _values) -> None:
    # Runs before every before_request handler (CSRF reads the body in one), so the upload limit must be
    # raised here; only for an admin, so no one else can make the server read a large body.
    if request.method == "POST" and _is_admin():
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"]


@bp.before_request
@role_required("admin")
def require_admin():
    """Uploads are for admins only, checked on the server."""


def _folder() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _index(status: int = 200, failed: str | None = None, message: str | None = None):
    return render_template("admin/uploads.html", importers=uploads.IMPORTERS, recent=uploads.recent(db_session()),
                           failed=failed, message=message, limit=current_app.config["UPLOAD_MAX_BYTES"]), status


@bp.errorhandler(413)
def too_large(_error):
    # The body is refused before the role check runs, so only an admin may see the uploads page here.
    if not _is_admin():
        return error_page(413)
    megabytes = current_app.config["UPLOAD_MAX_BYTES"] / 1024 / 1024
    return _index(413, request.view_args.get("kind") if request.view_args else None,
                  f"The file is larger than this site accepts ({megabytes:g} MB, set by LMS_MAX_UPLOAD_BYTES); "
                  "nothing was imported.")


@bp.get("/")
def index():
    return _index()


@bp.post("/<kind>")
def upload(kind: str):
    uploads.importer(kind)
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _index(400, kind, "Choose a CSV file to upload.")
    try:
        sha = uploads.keep(_folder(), kind, sent.read())
    except CsvFileError as error:
        return _index(400, kind, f"{sent.filename}: {error}; nothing was imported.")
    return redirect(url_for("admin_uploads.preview", kind=kind, sha256=sha, file=sent.filename))


def _start_again(error: RuleError):
    if isinstance(error, NotFound):
        raise error
    flash(str(error), "error")
    return redirect(url_for("admin_uploads.index"))


@bp.get("/<kind>/<sha256>")
def preview(kind: str, sha256: str):
    try:
        plan = uploads.preview(db_session(), _folder(), kind, sha256)
    except RuleError as error:
        return _start_again(error)
    return render_template("admin/upload_preview.html", plan=plan, file_name=request.args.get("file", ""),
                           rejected_shown=REJECTED_SHOWN, sample_shown=SAMPLE_SHOWN)


@bp.post("/<kind>/<sha256>")
def confirm(kind: str, sha256: str):
    file_name = request.form.get("file", "")
    try:
        done = uploads.confirm(uow(), _folder(), kind, sha256, request.form.get("digest", ""), current_user.id,
                               file_name)
    except PlanChanged as error:
        flash(str(error), "error")
        return redirect(url_for("admin_uploads.preview", kind=kind, sha256=sha256, file=file_name))
    except RuleError as error:
        return _start_again(error)
    flash(f"{done.importer.title} imported from {file_name or 'the upload'}: {done.report().summary()}.", "success")
    return redirect(url_for("admin_uploads.index"))
