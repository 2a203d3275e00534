"""The learner's side: home, profile, Registration Tracker, and the training player."""

from flask import Blueprint

from lms.extensions import catalog

bp = Blueprint("player", __name__)


@bp.app_template_global()
def track_title(track_key: str) -> str:
    track = catalog().tracks.get(track_key)
    return track.title if track else "Track"


from lms.web.player import account, exams, learning, records  # noqa: E402,F401  (registers routes)
