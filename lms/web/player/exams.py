"""Exams: the exam page, attempts (start, save, submit), results and review."""

from __future__ import annotations

import json

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.db import db_session, get_db, short_writes
from lms.models import Attempt
from lms.models.types import utcnow
from lms.services import exams, scoring
from lms.services.errors import RuleError
from lms.services.review import review_items
from lms.web.catalog_store import current_catalog
from lms.web.player import bp
from lms.web.player.learning import refuse_if_closed


def _exam_or_404(exam_key: str):
    catalog = current_catalog()
    exam = catalog.exams.get(exam_key) or abort(404)
    module = catalog.module_for_exam(exam_key) or abort(404)
    return exam, module


def _attempt_or_404(attempt_id: int) -> Attempt:
    attempt = db_session().get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)  # another agent's attempt does not exist as far as this agent can tell
    return attempt


def _open_exam(exam_key: str):
    """(exam, module, None) when the agent may take it, else (None, None, the refusal page)."""
    found, module = _exam_or_404(exam_key)
    refused = refuse_if_closed(current_catalog().tracks[module.track_key])
    return (None, None, refused) if refused else (found, module, None)


@bp.get("/exams/<path:exam_key>")
@login_required
def exam(exam_key: str):
    found, module, refused = _open_exam(exam_key)
    if refused:
        return refused
    standing = exams.standing(db_session(), found, current_user.id)
    return render_template("player/exam.html", exam=found, module=module, standing=standing)


@bp.post("/exams/<path:exam_key>/start")
@login_required
def start(exam_key: str):
    found, _module, refused = _open_exam(exam_key)
    if refused:
        return refused
    try:
        attempt = exams.start_attempt(db_session(), found, current_user.id, utcnow())
        db_session().commit()
    except RuleError as error:
        db_session().rollback()
        flash(str(error), "error")
        return redirect(url_for("player.exam", exam_key=exam_key))
    return redirect(url_for("player.attempt", attempt_id=attempt.id))


def _form_values():
    return request.form.getlist


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    found = _attempt_or_404(attempt_id)
    if found.submitted:
        return redirect(url_for("player.result", attempt_id=found.id))
    now = utcnow()
    if exams.expired(found, now):
        # A GET's session only reads; scoring the timed-out attempt takes a proper write transaction.
        with get_db().writing() as writer:
            exams.submit_attempt(writer, found.id, current_user.id, None, now)
        return redirect(url_for("player.result", attempt_id=found.id))
    exam, layout = exams.attempt_exam(db_session(), found)
    questions = {question.id: question for question in exam.questions}
    answers = exams.answers_of(found)
    answered = sum(scoring.is_answered(questions[qid], answers.get(qid)) for qid in layout.question_ids)
    seconds_left = int((found.deadline - now).total_seconds()) if found.deadline else None
    return render_template("player/attempt.html", attempt=found, exam=exam, layout=layout, questions=questions,
                           answers=answers, answered=answered, seconds_left=seconds_left,
                           field_name=scoring.field_name)


@bp.post("/attempts/<int:attempt_id>/save")
@login_required
def save(attempt_id: int):
    found = _attempt_or_404(attempt_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        exams.save_answers(db_session(), found.id, current_user.id, _form_values(), utcnow())
        db_session().commit()
    except RuleError as error:
        db_session().commit()  # keeps the score of an attempt that ran out of time
        if wants_json:
            return jsonify(saved=False, message=str(error), result=url_for("player.result", attempt_id=found.id)), 409
        flash(str(error), "error")
        return redirect(url_for("player.result", attempt_id=found.id))
    if wants_json:
        return jsonify(saved=True, at=found.saved_at.isoformat())
    flash("Your answers are saved. You can come back to this attempt later.", "success")
    return redirect(url_for("player.attempt", attempt_id=found.id))


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
@short_writes
def submit(attempt_id: int):
    found = _attempt_or_404(attempt_id)
    answers = None if found.submitted else exams.answers_from_form(db_session(), found, _form_values())
    user_id = current_user.id
    db_session().rollback()  # end the read; scoring happens in one short write transaction
    with get_db().writing() as writer:
        exams.submit_attempt(writer, attempt_id, user_id, None, utcnow(), answers=answers)
    return redirect(url_for("player.result", attempt_id=attempt_id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    found = _attempt_or_404(attempt_id)
    if not found.submitted:
        return redirect(url_for("player.attempt", attempt_id=found.id))
    exam, module = _exam_or_404(found.exam_key)
    standing = exams.standing(db_session(), exam, current_user.id)
    catalog = current_catalog()
    _, following = catalog.neighbours(module)
    return render_template("player/result.html", attempt=found, exam=exam, module=module, standing=standing,
                           following=following)


@bp.get("/attempts/<int:attempt_id>/review")
@login_required
def review(attempt_id: int):
    found = _attempt_or_404(attempt_id)
    current, module = _exam_or_404(found.exam_key)
    standing = exams.standing(db_session(), current, current_user.id)
    if not found.submitted or not standing.review_allowed:
        return render_template("player/review_closed.html", exam=current, standing=standing, attempt=found), 403
    exam, layout = exams.attempt_exam(db_session(), found)
    items = list(review_items(exam, layout, exams.answers_of(found), json.loads(found.results or "{}")))
    return render_template("player/review.html", attempt=found, exam=exam, review_items=items, module=module)
