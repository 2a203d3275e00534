"""How domain errors and HTTP errors reach people: error pages, flash messages, form messages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.exceptions import SecurityError

from lms.services.errors import FieldErrors, NotFound, RuleError

PAGES = {
    400: ("Bad request", "The server could not read that request. Go back, reload the page and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Page not found", "We could not find that page. Check the address, or start again from the home page."),
    405: ("Not allowed", "That action is not available on this page."),
    413: ("Too much data", "That request was larger than this site accepts. If you were sending a form, go "
                           "back and send it again; if the problem stays, contact your administrator."),
    500: ("Something went wrong", "The server hit an unexpected problem. Please try again in a moment."),
}


API_PATH = "/api/"


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def error_page(code: int, title: str | None = None, message: str | None = None):
    default_title, default_message = PAGES.get(code, ("Error", ""))
    if request.path.startswith(API_PATH):  # programs read the API: they get JSON, never a page
        return jsonify(error=(title or default_title).lower().replace(" ", "_"),
                       message=message or default_message), code
    return render_template("error.html", code=code, title=title or default_title,
                           message=message or default_message), code


def _allow(error: Exception) -> dict[str, str]:
    """A 405 names the methods the address does take (RFC 9110), which a page drawn in its place would drop."""
    methods = getattr(error, "valid_methods", None)
    return {"Allow": ", ".join(methods)} if methods else {}


def init_app(app: Flask) -> None:
    for code in PAGES:
        app.register_error_handler(code, lambda error, code=code: (*error_page(code), _allow(error)))

    @app.errorhandler(SecurityError)
    def untrusted_host(_error: SecurityError):
        # No page of ours can be drawn for a host we do not serve: its links would name that host.
        return "Bad request: this site does not answer to that host name.\n", 400, {"Content-Type": "text/plain"}

    @app.errorhandler(NotFound)
    def not_found(error: NotFound):
        if wants_json():
            return jsonify(message=str(error)), 404
        return error_page(404)

    @app.errorhandler(RuleError)
    def rule_broken(error: RuleError):
        # A view that expects a rule to be broken says where to go (redirect_on_rule_error);
        # anything else is a request that no page offered, so it gets a plain 409 page.
        if wants_json():
            return jsonify(message=str(error)), 409
        return error_page(409, "That cannot be done", str(error))


def redirect_on_rule_error(endpoint: str, **fixed: Any):
    """On a RuleError, flash its message and redirect to `endpoint` with the request's view args."""
    def decorator(view: Callable):
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            try:
                return view(*args, **kwargs)
            except NotFound:
                raise
            except RuleError as error:
                if wants_json():
                    return jsonify(message=str(error)), 409
                flash(str(error), "error")
                return redirect(url_for(endpoint, **{**(request.view_args or {}), **fixed}))

        return wrapped

    return decorator


def show_field_errors(form: FlaskForm, error: FieldErrors) -> None:
    """Show a service's field errors next to the matching form fields (others above the form)."""
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
