"""Sign-in sessions, CSRF, roles, bad input and response headers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, same_origin
from werkzeug.datastructures import MultiDict

from lms.models import User
from lms.services import sessions
from lms.web import signing, throttle
from lms.web.database import uow
from lms.web.errors import error_page


class _SafeMethodsFirst(CSRFProtect):
    """Flask-WTF's check, but a GET returns before the exemption lookups rather than after them, and a
    token that is certainly good passes without Flask-WTF building its serializer on every request."""

    def protect(self, apply_exemptions: bool = False) -> None:
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        if signing.csrf_token_certainly_good(self._get_csrf_token()) and self._referrer_allowed():
            g.csrf_valid = True  # as Flask-WTF marks a request it checked
            return
        super().protect()  # the exemptions are applied already; this refuses, saying why

    @staticmethod
    def _referrer_allowed() -> bool:
        """Over HTTPS Flask-WTF also wants a same-origin referrer (WTF_CSRF_SSL_STRICT)."""
        if not (request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]):
            return True
        return bool(request.referrer) and same_origin(request.referrer, f"https://{request.host}/")


csrf = _SafeMethodsFirst()
login_manager = LoginManager()
SESSION_KEY = "_lms_session"  # the server-side session's id, kept in the signed cookie

_CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
        "form-action 'self'")
_HEADERS = tuple((header, header[0].lower()) for header in (
    ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
    ("Content-Security-Policy", _CSP)))
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
_NO_STORE = ("Cache-Control", "no-store")
_SIGNED_IN_PAGE = "lms.signed_in_page"  # in the WSGI environ: the response is a signed-in page, not to be stored
_BODILESS = frozenset(("GET", "HEAD", "OPTIONS"))


@login_manager.user_loader
def load_user(login_id: str) -> sessions.SignedIn | None:
    return sessions.identity_for(uow(), login_id, session.get(SESSION_KEY))


def sign_in(user: User) -> None:
    """A fresh session at sign-in: nothing from before (or planted by someone else) carries over."""
    session.clear()
    login_user(user)
    session[SESSION_KEY] = sessions.start(uow(), user.id, request.headers.get("User-Agent", ""))


def sign_out() -> None:
    sessions.end(uow(), session.get(SESSION_KEY))
    logout_user()
    session.clear()


def init_app(app: Flask) -> None:
    secure = not (app.debug or app.testing) and app.config.get("COOKIE_SECURE", True)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure)
    csrf.init_app(app)
    signing.init_app(app)
    throttle.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return error_page(400, "Form expired", "This form was open too long or came from another site. "
                                               "Go back, reload the page and try again.")

    @app.before_request
    def refuse_unreadable_input():
        # NUL can never be part of an email, a name or a search; databases refuse it, so refuse it first.
        # A GET's body is never read (no view takes a form from one), so only its query is looked at,
        # and a query can only hold a NUL written as %00 (or sent raw).
        sources: tuple[MultiDict[str, str], ...]
        current = request._get_current_object()  # type: ignore[attr-defined]  # one context lookup
        if current.method in _BODILESS:
            query = current.query_string
            if b"%00" not in query and b"\x00" not in query:
                return None
            sources = (current.args,)
        else:
            sources = (current.args, current.form)
        if any("\x00" in key or any("\x00" in value for value in values)
               for form in sources for key, values in form.lists()):
            return error_page(400, "Bad request", "The request contained a character this site cannot accept "
                                                  "(a NUL byte). Check what you typed or pasted and try again.")
        return None

    @app.after_request
    def not_stored(response):
        # Signed-in pages are the agent's own: no shared cache or back button may show them to the next person.
        # Said here, added by SecurityHeaders to the plain header list unless the view set a Cache-Control
        # of its own: through werkzeug's Headers the check and the add were 1.6 % of a module page's instructions.
        current = request._get_current_object()  # type: ignore[attr-defined]  # one context lookup, not three
        if current.endpoint not in (None, "static") and current_user.is_authenticated:
            current.environ[_SIGNED_IN_PAGE] = True
        return response

    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]


class SecurityHeaders:
    """Adds the headers every response carries (errors and static files too) as it starts, to the plain
    list of pairs the server is handed. Added in an after-request hook, they went through werkzeug's
    `Headers`, which checks every value again on every response: 3 % of a module page's instructions."""

    def __init__(self, wsgi_app: Callable[..., Any]):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers.extend(header for header, lowered in _HEADERS if lowered not in present)
            if environ.get("wsgi.url_scheme") == "https" and "strict-transport-security" not in present:
                headers.append(_HSTS)
            if environ.get(_SIGNED_IN_PAGE) and "cache-control" not in present:
                headers.append(_NO_STORE)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def role_required(*roles: str):
    """Allow only signed-in users with one of `roles` (checked on the server for every request)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                flash("Please sign in to continue.", "info")
                return redirect(url_for("auth.sign_in", next=request.full_path))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
