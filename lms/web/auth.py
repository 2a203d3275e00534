"""Sign up (with email confirmation), sign in and out, the account page, password changes and resets."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.services import accounts, sessions
from lms.services.errors import FieldErrors, RuleError
from lms.web import security
from lms.web.database import db_session, uow
from lms.web.errors import show_field_errors
from lms.web.forms import ChangePasswordForm, ConfirmForm, ResetPasswordForm, ResetRequestForm, SignInForm, SignUpForm
from lms.web.throttle import PASSWORD_CHANGE, RESET_REQUEST, SIGN_IN, throttle

bp = Blueprint("auth", __name__, url_prefix="/account")


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot send someone elsewhere after sign-in."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(char in target for char in "\r\n\t\x00") and not urlsplit(target).netloc):
        return target
    return url_for("player.home")


def _form_status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _mail_is_local() -> bool:
    return not current_app.config.get("SMTP_HOST")


@bp.route("/sign-up", methods=["GET", "POST"])
def sign_up():
    if current_user.is_authenticated:
        return redirect(url_for("player.home"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            accounts.sign_up(uow(), form.email.data, form.password.data)
        except FieldErrors as error:
            show_field_errors(form, error)
        else:
            # The same page whether or not the address already had an account; its owner hears by email.
            return render_template("auth/check_email.html", email=form.email.data.strip(),
                                   mail_is_local=_mail_is_local())
    return render_template("auth/sign_up.html", form=form), _form_status(form)


@bp.get("/confirm/<token>")
def confirm(token: str):
    """The emailed link opens a page with a button: opening a link (as mail scanners do) changes nothing."""
    try:
        accounts.check_confirmation_token(token, _secret())
    except RuleError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.sign_up"))
    return render_template("auth/confirm.html", form=ConfirmForm(), token=token)


@bp.post("/confirm/<token>")
def confirm_email(token: str):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("auth/confirm.html", form=form, token=token), 422
    try:
        user = accounts.confirm_email(uow(), token, _secret())
    except RuleError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.sign_up"))
    security.sign_in(user)
    flash("Your email address is confirmed and your account is ready. Start by completing your agent profile.",
          "success")
    return redirect(url_for("player.profile"))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = SignInForm()
    if form.validate_on_submit():
        ticket = throttle().take(SIGN_IN, account=form.email.data)  # counted before the password is checked
        try:
            user = accounts.authenticate(uow(), form.email.data, form.password.data)
        except accounts.EmailNotConfirmed as error:
            ticket.refund()
            form.form_errors.append(str(error))
        else:
            if user is not None:
                ticket.refund()  # people who sign in often are never throttled
                security.sign_in(user)
                return redirect(_safe_next(request.args.get("next")))
            form.form_errors.append("The email address or password is not right. Check both and try again.")
    return render_template("auth/sign_in.html", form=form), _form_status(form)


@bp.post("/sign-out")
def sign_out():
    security.sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("public.home"))


@bp.get("/")
@login_required
def account():
    return render_template("auth/account.html", sessions=sessions.active(db_session(), current_user.id))


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    sessions.end_everywhere(uow(), current_user.id)
    security.sign_out()
    flash("You are signed out on every browser and device, this one included.", "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        ticket = throttle().take(PASSWORD_CHANGE, account=current_user.email)
        try:
            user = accounts.change_password(uow(), current_user.id, form.current_password.data,
                                            form.new_password.data)
        except FieldErrors as error:
            if "current_password" not in error.errors:
                ticket.refund()  # only wrong current passwords count as guesses
            show_field_errors(form, error)
        else:
            ticket.refund()
            security.sign_in(user)
            flash("Your password is changed. Other devices signed in to your account are signed out.", "success")
            return redirect(url_for("player.home"))
    return render_template("auth/change_password.html", form=form), _form_status(form)


@bp.route("/reset", methods=["GET", "POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        throttle().take(RESET_REQUEST, account=form.email.data)
        accounts.request_password_reset(uow(), form.email.data)
        # The same answer whether or not the account exists, so no one can probe for addresses.
        flash("If an account uses that address, we have emailed it a link to reset the password. "
              "The link works for one hour.", "info")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/request_reset.html", form=form), _form_status(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    try:
        accounts.check_reset_token(uow(), token, _secret())
        if form.validate_on_submit():
            user = accounts.reset_password(uow(), token, _secret(), form.new_password.data)
            throttle().clear(SIGN_IN, user.email)
            security.sign_in(user)
            flash("Your password is reset and you are signed in.", "success")
            return redirect(url_for("player.home"))
    except FieldErrors as error:
        show_field_errors(form, error)
    except RuleError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.request_reset"))
    return render_template("auth/reset_password.html", form=form), _form_status(form)
