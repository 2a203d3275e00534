"""Sign-in sessions, CSRF, rate limits, roles and response headers."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, flash, redirect, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from lms.services import accounts
from lms.web.database import db_session
from lms.web.errors import error_page

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# The 11th failed sign-in from one address within a minute is refused.
SIGN_IN_LIMIT = "10 per minute"


@login_manager.user_loader
def load_user(session_id: str):
    return accounts.load_session_user(db_session(), session_id)


def init_app(app: Flask) -> None:
    secure = not (app.debug or app.testing) and app.config.get("COOKIE_SECURE", True)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return error_page(400, "Form expired", "This form was open too long or came from another site. "
                                               "Go back, reload the page and try again.")

    @app.errorhandler(429)
    def too_many(error):
        return error_page(429, "Too many attempts", "Too many sign-in attempts from your connection. Wait a "
                                                    "minute, then try again. If you have forgotten your "
                                                    "password, reset it.")

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
        if request.endpoint and request.endpoint != "static" and current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


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
