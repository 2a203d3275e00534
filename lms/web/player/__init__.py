"""The learner's side: home, profile, Registration Tracker, and the training player."""

from flask import Blueprint

bp = Blueprint("player", __name__)

from lms.web.player import account, exams, learning  # noqa: E402,F401  (registers routes)
