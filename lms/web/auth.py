"""Sign up, sign in and out, change and reset passwords."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from lms.services import accounts
from lms.services.errors import FieldErrors, RuleError
from lms.web.database import uow
from lms.web.errors import show_field_errors
from lms.web.forms import ChangePasswordForm, ResetPasswordForm, ResetRequestForm, SignInForm, SignUpForm
from lms.web.mailer import mailer
from lms.web.security import SIGN_IN_LIMIT, limiter

bp = Blueprint("auth", __name__, url_prefix="/account")


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot send someone elsewhere after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("player.home")


def _start_session(user) -> None:
    # A fresh session at sign-in: nothing from before (or planted by someone else) carries over.
    session.clear()
    login_user(user)


def _form_status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


@bp.route("/sign-up", methods=["GET", "POST"])
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("player.home"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            user = accounts.sign_up(uow(), form.email.data, form.password.data)
        except FieldErrors as error:
            show_field_errors(form, error)
        else:
            _start_session(user)
            flash("Your account is ready. Start by completing your agent profile.", "success")
            return redirect(url_for("player.profile"))
    return render_template("auth/sign_up.html", form=form), _form_status(form)


def _failed_sign_in(response) -> bool:
    return request.method == "POST" and response.status_code != 302


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"], deduct_when=_failed_sign_in)
def sign_in():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = SignInForm()
    if form.validate_on_submit():
        user = accounts.authenticate(uow(), form.email.data, form.password.data)
        if user is not None:
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        form.form_errors.append("The email address or password is not right. Check both and try again.")
    return render_template("auth/sign_in.html", form=form), _form_status(form)


@bp.post("/sign-out")
def sign_out():
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("public.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.change_password(uow(), current_user.id, form.current_password.data,
                                            form.new_password.data)
        except FieldErrors as error:
            show_field_errors(form, error)
        else:
            _start_session(user)
            flash("Your password is changed. Other devices signed in to your account are signed out.", "success")
            return redirect(url_for("player.home"))
    return render_template("auth/change_password.html", form=form), _form_status(form)


@bp.route("/reset", methods=["GET", "POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(
            uow(), form.email.data, current_app.config["SECRET_KEY"], mailer(),
            lambda token: url_for("auth.reset_password", token=token, _external=True))
        # The same answer whether or not the account exists, so no one can probe for addresses.
        flash("If an account uses that address, we have emailed it a link to reset the password. "
              "The link works for one hour.", "info")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/request_reset.html", form=form), _form_status(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    secret = current_app.config["SECRET_KEY"]
    form = ResetPasswordForm()
    try:
        accounts.check_reset_token(uow(), token, secret)
        if form.validate_on_submit():
            user = accounts.reset_password(uow(), token, secret, form.new_password.data)
            _start_session(user)
            flash("Your password is reset and you are signed in.", "success")
            return redirect(url_for("player.home"))
    except FieldErrors as error:
        show_field_errors(form, error)
    except RuleError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.request_reset"))
    return render_template("auth/reset_password.html", form=form), _form_status(form)
