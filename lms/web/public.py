"""Pages anyone may see without signing in."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from lms.extensions import catalog

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("player.home"))
    return render_template("public/home.html", programs=catalog().programs_newest_first())
