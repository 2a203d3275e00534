"""Exams: the exam page, attempts (start, save, submit), results and review."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from lms.extensions import catalog, clock
from lms.services import attempt_page, exams, result_page, scoring, tokens
from lms.services.review import review_items, sections
from lms.web.context import signed_in
from lms.web.database import db_session, uow
from lms.web.errors import redirect_on_rule_error, wants_json
from lms.web.kept_pages import (
    ATTEMPT_PAGES,
    EXAM_PAGES,
    MINUTES_LEFT_MARK,
    SECONDS_LEFT_MARK,
    answers_json,
    attempt_page_key,
    exam_page_key,
    time_left,
)
from lms.web.page_cache import CSRF_MARK, FragmentCache
from lms.web.player import bp
from lms.web.player.learning import refuse_if_closed
from lms.web.signing import csrf_token
from lms.web.templating import chosen_zone_name, use_zone_name


def _exam_or_404(known, exam_key: str):
    exam = known.exams.get(exam_key) or abort(404)
    module = known.module_for_exam(exam_key) or abort(404)
    return exam, module


def _open_exam(known, agent, exam_key: str):
    """(exam, module, None) when the agent may take it, else (None, None, the refusal page). `known` is the
    catalog and `agent` the signed-in agent, looked up once by the view."""
    found, module = _exam_or_404(known, exam_key)
    refused = refuse_if_closed(known.tracks[module.track_key], known, agent)
    return (None, None, refused) if refused else (found, module, None)


@bp.get("/exams/<path:exam_key>")
@login_required
def exam(exam_key: str):
    known = catalog()
    agent = signed_in()
    found, module, refused = _open_exam(known, agent, exam_key)
    if refused:
        return refused
    standing = exams.shown_standing(uow().connection, found, agent.id)
    # Submitted attempts are listed in the agent's time zone, which is read only when there are some.
    key = exam_page_key(found, agent.role, standing, chosen_zone_name() if standing.submitted else None)

    def render() -> str:
        _, following = known.neighbours(module)
        return render_template("player/exam.html", exam=found, module=module, standing=standing,
                               following=following, csrf_token=lambda: CSRF_MARK)

    return EXAM_PAGES.render(key, known, render, {CSRF_MARK: csrf_token()})



@bp.post("/exams/<path:exam_key>/start")
@login_required
@redirect_on_rule_error("player.exam")
def start(exam_key: str):
    known, agent = catalog(), signed_in()
    found, _module, refused = _open_exam(known, agent, exam_key)
    if refused:
        return refused
    try:
        attempt = exams.start_attempt(uow(), known, found, agent.id, clock().now())
    except exams.TimeIsUp as error:  # the open attempt ran out of time and it was the last one
        flash(str(error), "error")
        return redirect(url_for("player.result", attempt_id=error.attempt_id))
    return redirect(url_for("player.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<id:attempt_id>")
@login_required
def attempt(attempt_id: int):
    now = clock().now()
    agent = signed_in()
    page = attempt_page.attempt_page(uow(), catalog(), attempt_id, agent.id, now)
    if page is None:
        return redirect(url_for("player.result", attempt_id=attempt_id))
    use_zone_name(page.time_zone)
    answers = answers_json(page)
    key = attempt_page_key(page, agent.role, answers)

    def render() -> str:
        return render_template("player/attempt.html", attempt=page, exam=page.exam, layout=page.layout,
                               questions_html=_questions_html(page, answers), seconds_left=SECONDS_LEFT_MARK,
                               minutes_left=MINUTES_LEFT_MARK, last_attempt=page.last_attempt,
                               unanswered=page.unanswered, csrf_token=lambda: CSRF_MARK,
                               layout_note_field=tokens.LAYOUT_NOTE_FIELD,
                               layout_note=tokens.layout_note(current_app.config["SECRET_KEY"], page.id,
                                                              page.exam.content_hash, page.seed))

    return ATTEMPT_PAGES.render(key, page.exam, render, {CSRF_MARK: csrf_token(), **time_left(page, now)})

# The questions, most of the page's rendering, are kept apart too: a save that changes no answer
# (the page's script saves every 30 s) re-renders only the page around them.
ATTEMPT_QUESTIONS = FragmentCache(size=512)


def _questions_html(page: attempt_page.AttemptPage, answers: str) -> Markup:
    def render() -> str:
        return render_template("player/_attempt_questions.html", layout=page.layout, questions=page.questions,
                               answers=page.answers, field_name=scoring.field_name)

    # The seed decides the layout and its tokens; the version exam object is the source, as the
    # catalog is for module pages.
    key = (page.exam.content_hash, page.seed, answers)
    return Markup(ATTEMPT_QUESTIONS.render(key, page.exam, render))  # noqa: S704  (rendered by our templates)


@bp.post("/attempts/<id:attempt_id>/save")
@login_required
def save(attempt_id: int):
    try:
        # The page's script autosaves (JSON) every 30 s; the form's "Save answers" button is the agent asking.
        saved = exams.save_answers(uow(), catalog(), attempt_id, current_user.id, request.form.getlist, clock().now(),
                                   durable=not wants_json())
    except exams.TimeIsUp as error:
        result = url_for("player.result", attempt_id=attempt_id)
        if wants_json():
            return jsonify(saved=False, message=str(error), result=result), 409
        flash(str(error), "error")
        return redirect(result)
    if wants_json():
        return jsonify(saved=True, at=saved.isoformat())
    flash("Your answers are saved. You can come back to this attempt later.", "success")
    return redirect(url_for("player.attempt", attempt_id=attempt_id))


@bp.post("/attempts/<id:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    try:
        # From the confirmation page the saved answers are scored as they are (its form carries none).
        values = None if request.form.get("saved") == "yes" else request.form.getlist
        exams.submit_attempt(uow(), catalog(), attempt_id, current_user.id, values, clock().now(),
                             confirmed=request.form.get("confirm") == "yes")
    except exams.Unanswered as error:
        # Nothing is lost (the answers are saved) and no attempt is spent until the agent says so.
        view = exams.view_attempt(uow(), catalog(), attempt_id, current_user.id, clock().now())
        return render_template("player/confirm_submit.html", attempt=view.attempt, exam=view.exam,
                               numbers=error.numbers, message=str(error))
    return redirect(url_for("player.result", attempt_id=attempt_id))


@bp.get("/attempts/<id:attempt_id>/result")
@login_required
def result(attempt_id: int):
    known, agent_id = catalog(), current_user.id
    page = result_page.result_page(uow().connection, known, attempt_id, agent_id)
    if page is None:
        return redirect(url_for("player.attempt", attempt_id=attempt_id))
    exam, module = _exam_or_404(known, page.attempt.exam_key)
    standing = exams.shown_standing(uow().connection, exam, agent_id)
    _, following = known.neighbours(module)
    return render_template("player/result.html", attempt=page.attempt, exam=exam, module=module, standing=standing,
                           following=following, sections=page.reread)


@bp.get("/attempts/<id:attempt_id>/review")
@login_required
def review(attempt_id: int):
    found = exams.attempt_for(db_session(), attempt_id, current_user.id)
    current, module = _exam_or_404(catalog(), found.exam_key)
    standing = exams.shown_standing(uow().connection, current, current_user.id)
    if not found.submitted or not standing.review_allowed:
        return render_template("player/review_closed.html", exam=current, standing=standing, attempt=found), 403
    exam, layout = exams.attempt_exam(db_session(), found)
    items = list(review_items(exam, layout, found.answers, found.results))
    return render_template("player/review.html", attempt=found, exam=exam, review_items=items, module=module,
                           level=standing.review_level, sections=sections(catalog(), exam))
