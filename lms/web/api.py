"""The read-only JSON API under /api/v1: the admin exports, page by page, for an admin's token.

Only the `Authorization: Bearer` header opens it. The sign-in cookie is never read here, so
another site cannot make a signed-in admin's browser fetch data; that is also why the API needs
no CSRF token (and it accepts only GET, so it changes nothing either way).
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from lms.extensions import catalog, clock
from lms.services import api_tokens, exports
from lms.services.errors import RuleError
from lms.web import openapi
from lms.web.database import db_session
from lms.web.throttle import Rule, throttle

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)

# Requests without a working token, per address; a request whose token works gives its count back.
TOKEN_GUESSES = Rule("api-token", "60 per minute", "60 per minute",
                     "Too many API requests without a working token from your address. Wait a minute, and check "
                     "that the token is copied whole and has not been revoked.")
PUBLIC = {"api.openapi_document"}


def error(status: int, code: str, message: str):
    response = jsonify(error=code, message=message)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@bp.before_request
def require_token():
    """An admin's working token in the Authorization header, or 401; cookies count for nothing here."""
    if request.endpoint in PUBLIC:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    ticket = throttle().take(TOKEN_GUESSES, account=None)
    admin_id = api_tokens.holder(db_session(), secret.strip()) if scheme.lower() == "bearer" else None
    if admin_id is None:
        return error(401, "unauthorized", "Send an admin's API token as 'Authorization: Bearer <token>'. This token "
                                          "is missing, unknown or revoked, or its owner is no longer an admin.")
    ticket.refund()
    g.api_admin_id = admin_id
    return None


@bp.after_request
def never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(RuleError)
def bad_request(failure: RuleError):
    return error(400, "bad_request", str(failure))


def _page(name: str):
    export = exports.available(db_session(), catalog(), clock().today())[name]
    args = request.args.to_dict(flat=False)
    page = export.page(db_session(), export.filters(args, paged=True), args)
    return jsonify(data=[export.as_json(row) for row in page.rows], next_cursor=page.next_cursor)


@bp.get("/people")
def people():
    return _page("people")


@bp.get("/scores")
def scores():
    return _page("scores")


@bp.get("/completions")
def completions():
    return _page("completions")


@bp.get("/audit-log")
def audit_log():
    return _page("audit-log")


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document(exports.available(db_session(), catalog(), clock().today()), PREFIX))
