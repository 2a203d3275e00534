"""Home, tracks and modules: reading the training and marking modules complete."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.extensions import catalog as current_catalog
from lms.extensions import clock
from lms.services import module_page, player, progress, tokens, training
from lms.web.context import current_program_or_404, signed_in
from lms.web.database import uow
from lms.web.kept_pages import MODULE_PAGES, OPENED_MARK, module_page_key
from lms.web.page_cache import CSRF_MARK
from lms.web.player import bp
from lms.web.signing import csrf_token
from lms.web.templating import local_date, time_needed


def _track_or_404(catalog, program_key: str, track_slug: str):
    return catalog.tracks.get(f"{program_key}/{track_slug}") or abort(404)

def refuse_if_closed(track, catalog, agent):
    """A 403 page saying why, when `agent` may not use the track yet; None when they may. The view looks
    up the catalog and the agent once and passes them (each context lookup costs about a microsecond)."""
    access = player.track_access(uow(), catalog, agent, catalog.programs[track.program_key], track)
    return _refusal(track, access.available, access.unlock)


def _refusal(track, available: bool, unlock):
    if not available:
        return render_template("player/locked.html", track=track,
                               reason="This training is for agents who completed the previous plan year's "
                                      "registration. Take the full Marketplace training instead."), 403
    if not unlock.unlocked:
        return render_template("player/locked.html", track=track, reason=unlock.reason), 403
    return None

@bp.get("/home")
@login_required
def home():
    program = current_program_or_404()
    page = player.home_page(uow(), current_catalog(), signed_in(), program)
    return render_template("player/home.html", program=program, views=page.views, status=page.status,
                           next_up=page.next_up, can_switch=page.can_switch)

@bp.get("/continue")
@login_required
def continue_training():
    catalog = current_catalog()
    program = current_program_or_404()
    target = player.continue_target(player.home_tracks(uow(), catalog, signed_in(), program))
    if target is None:
        flash("You have finished every training open to you.", "success")
        return redirect(url_for("player.home"))
    view, step = target
    if step.completed and step.standing is not None:
        return redirect(url_for("player.exam", exam_key=step.module.exam_key))
    return redirect(module_url(step.module))

def module_url(module) -> str:
    program_key, track_slug, slug = module.key.split("/")
    return url_for("player.module", program=program_key, track=track_slug, module=slug)

@bp.get("/learn/<program>/<track>")
@login_required
def track(program: str, track: str):
    catalog = current_catalog()
    found = _track_or_404(catalog, program, track)
    view = player.track_view(uow(), catalog, signed_in(), catalog.programs[program], found)
    refused = _refusal(found, view.available, view.unlock)
    if refused:
        return refused
    return render_template("player/track.html", view=view, program=catalog.programs[program])

def _open_module(catalog, agent, program: str, track: str, module: str):
    """(module, track, None) when this agent may use the module, else (None, None, the refusal page)."""
    found = catalog.modules.get(f"{program}/{track}/{module}") or abort(404)
    track_found = _track_or_404(catalog, program, track)
    refused = refuse_if_closed(track_found, catalog, agent)
    return (None, None, refused) if refused else (found, track_found, None)


def _opened_at(module_key: str) -> dt.datetime | None:
    """When this agent opened the module's page, from the signed note the page sent back."""
    token = request.form.get("opened", "")
    return tokens.page_opened_at(current_app.config["SECRET_KEY"], token, current_user.id, module_key)

@bp.get("/learn/<program>/<track>/<module>")
@login_required
def module(program: str, track: str, module: str):
    catalog = current_catalog()
    agent = signed_in()
    found, track_found, refused = _open_module(catalog, agent, program, track, module)
    if refused:
        return refused
    state = module_page.module_page(uow().connection, catalog, agent.id, found)
    minimum = catalog.minimum_seconds(found)
    key = module_page_key(found, agent.role, state, minimum,
                   local_date(state.progress.completed_at) if state.progress and state.completed else "")

    def render() -> str:
        previous, following = catalog.neighbours(found)
        return render_template("player/module.html", module=found, track=track_found, state=state,
                               minimum_seconds=minimum, previous=previous, following=following,
                               opened=OPENED_MARK, csrf_token=lambda: CSRF_MARK,
                               exam=catalog.exams.get(found.exam_key) if found.exam_key else None)

    seat = tokens.seat_token(current_app.config["SECRET_KEY"], agent.id, found.key)
    return MODULE_PAGES.render(key, catalog, render, {CSRF_MARK: csrf_token(), OPENED_MARK: seat})

@bp.post("/learn/<program>/<track>/<module>/complete")
@login_required
def complete_module(program: str, track: str, module: str):
    catalog = current_catalog()
    found, _track, refused = _open_module(catalog, signed_in(), program, track, module)
    if refused:
        return refused
    done = training.complete_module(uow(), catalog, current_user.id, found.key, _opened_at(found.key), clock().now())
    if done.seconds_short:
        flash(f"“{found.title}” asks for at least {time_needed(catalog.minimum_seconds(found))} of "
              f"reading before it can be marked complete. Time still needed: about "
              f"{time_needed(done.seconds_short)}. Your time so far is saved.", "error")
        return redirect(module_url(found))
    _, following = catalog.neighbours(found)
    if found.exam_key and found.exam_key in catalog.exams:
        flash(f"“{found.title}” is marked complete. Its exam is next.", "success")
        return redirect(url_for("player.exam", exam_key=found.exam_key))
    flash(f"“{found.title}” is marked complete.", "success")
    return redirect(module_url(following) if following else url_for("player.track", program=program, track=track))

@bp.post("/learn/<program>/<track>/<module>/heartbeat")
@login_required
def heartbeat(program: str, track: str, module: str):
    """Seat time while the page stays open (sent by player.js every minute when visible)."""
    agent = signed_in()
    found, _track, refused = _open_module(current_catalog(), agent, program, track, module)
    if refused:
        return refused
    progress.heartbeat(uow(), agent.id, found.key, _opened_at(found.key), clock().now())
    return ("", 204)
