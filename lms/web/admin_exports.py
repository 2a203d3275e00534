"""Admins take data away: CSV downloads of the exports, and the tokens that open the JSON API."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from lms.extensions import catalog, clock
from lms.services import api_tokens, exports
from lms.services.errors import RuleError
from lms.web.database import db_session, uow
from lms.web.errors import redirect_on_rule_error
from lms.web.security import role_required

bp = Blueprint("admin_exports", __name__, url_prefix="/admin")


@bp.before_request
@role_required("admin")
def require_admin():
    """Exports and tokens are for admins only, checked on the server."""


def _available():
    return exports.available(db_session(), catalog(), clock().today())


@bp.get("/exports")
def index():
    return render_template("admin/exports.html", exports=_available().values())


@bp.get("/exports/<export_name>.csv")
def download(export_name: str):
    export = _available().get(export_name) or abort(404)
    # A form's "any" sends an empty value: that is no filter at all.
    args = {name: values for name, values in request.args.to_dict(flat=False).items() if any(values)}
    try:
        filters = export.filters(args)
    except RuleError as error:
        return Response(f"{error}\n", status=400, mimetype="text/plain")
    filename = f"{export.name}-{clock().today().isoformat()}.csv"
    return Response(stream_with_context(export.csv_lines(db_session(), filters)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/api-tokens")
def tokens():
    return render_template("admin/api_tokens.html", tokens=api_tokens.tokens(db_session()), created=None)


@bp.post("/api-tokens")
@redirect_on_rule_error("admin_exports.tokens")
def create_token():
    created = api_tokens.create(uow(), current_user.id, request.form.get("name", ""), clock().now())
    # Shown on this response only, never put in a flash message or the session: it is not kept anywhere.
    return render_template("admin/api_tokens.html", tokens=api_tokens.tokens(db_session()), created=created), 201


@bp.post("/api-tokens/<id:token_id>/revoke")
@redirect_on_rule_error("admin_exports.tokens")
def revoke_token(token_id: int):
    name = api_tokens.revoke(uow(), token_id, current_user.id, clock().now())
    flash(f"The token “{name}” is revoked: requests that carry it are refused from now on.", "success")
    return redirect(url_for("admin_exports.tokens"))
