"""Agent profile, training choice and the Registration Tracker."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.extensions import catalog, clock
from lms.services import help_on_demand, profiles, programs, registration
from lms.services.errors import FieldErrors
from lms.services.profiles import NPN_STATUS_WORDS, ProfileInput, save_profile
from lms.services.time_zones import UTC_NAME
from lms.web.context import current_program_or_404, signed_in
from lms.web.database import db_session, uow
from lms.web.errors import redirect_on_rule_error, show_field_errors
from lms.web.forms import ProfileForm
from lms.web.player import bp


@bp.get("/tracker")
@login_required
def tracker():
    program, agent = current_program_or_404(), signed_in()
    status = registration.registration_status(db_session(), catalog(), agent, program)
    hod = help_on_demand.status(db_session(), catalog(), program, agent.id,
                                current_app.config.get("HOD_ACCEPTANCE_THRESHOLD", help_on_demand.DEFAULT_THRESHOLD))
    return render_template("player/tracker.html", program=program, status=status, hod=hod)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    existing = current_user.profile
    form = ProfileForm(obj=existing)
    if request.method == "GET" and existing is not None:
        form.sell_states.data = existing.sell_state_list
    if request.method == "GET":
        form.time_zone.data = existing.time_zone if existing and existing.time_zone else UTC_NAME
    if form.validate_on_submit():
        data = ProfileInput(
            first_name=form.first_name.data or "", last_name=form.last_name.data or "", npn=form.npn.data or "",
            is_business_entity=bool(form.is_business_entity.data), resident_state=form.resident_state.data or "",
            sell_states=list(form.sell_states.data or []), phone=form.phone.data or "",
            time_zone=form.time_zone.data or "")
        try:
            saved = save_profile(uow(), current_user.id, data, catalog(), current_program_or_404())
        except FieldErrors as error:
            show_field_errors(form, error)
        else:
            category = "success" if saved.npn_status == "valid" else "warning"
            flash(f"Profile saved. NPN check: {NPN_STATUS_WORDS[saved.npn_status]}", category)
            return redirect(url_for("player.profile"))
    status_words = NPN_STATUS_WORDS[existing.npn_status] if existing else None
    program = current_program_or_404()
    confirm = registration.confirm_step(db_session(), signed_in(), program)
    # Until a zone is chosen, the profile page may offer the browser's own.
    suggest_zone = request.method == "GET" and not (existing and existing.time_zone)
    return render_template("player/profile.html", form=form, profile=existing, npn_words=status_words,
                           program=program, confirm=confirm, suggest_zone=suggest_zone), 422 if form.errors else 200


@bp.post("/profile/confirm")
@login_required
@redirect_on_rule_error("player.profile")
def confirm_profile():
    program = current_program_or_404()
    profiles.confirm_profile(uow(), catalog(), program, current_user.id, clock().now())
    flash(f"Your profile is confirmed for Plan Year {program.plan_year}.", "success")
    return redirect(url_for("player.tracker"))


@bp.get("/training-choice")
@login_required
def choose_training():
    session, program, agent = db_session(), current_program_or_404(), signed_in()
    return render_template("player/choose_training.html", program=program,
                           options=programs.track_options(session, catalog(), agent, program),
                           current=programs.chosen_track(session, catalog(), agent, program),
                           eligible=programs.completed_previous_year(session, agent, program))


@bp.post("/training-choice")
@login_required
@redirect_on_rule_error("player.choose_training")
def save_training_choice():
    chosen = programs.choose_track(uow(), catalog(), current_user.id, current_program_or_404(),
                                   request.form.get("track", ""))
    flash(f"You are taking {chosen.title}.", "success")
    return redirect(url_for("player.home"))
