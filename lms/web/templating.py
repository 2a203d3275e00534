"""Template loading: the app's templates folder, plus each question type's partials from its module."""

from __future__ import annotations

from flask import Flask
from jinja2 import BaseLoader, ChoiceLoader, FunctionLoader

from lms.questions import QUESTION_TYPES

PARTIALS = {"input.html": "input_template", "review.html": "review_template"}


def question_partial(name: str) -> str | None:
    """`questions/<type>/input.html` and `questions/<type>/review.html`, from the type's module."""
    parts = name.split("/")
    if len(parts) != 3 or parts[0] != "questions" or parts[1] not in QUESTION_TYPES or parts[2] not in PARTIALS:
        return None
    return getattr(QUESTION_TYPES[parts[1]], PARTIALS[parts[2]])


def number(value: float | None) -> str:
    """A score as people write it: 12, 7.5, 0.33; never 12.0."""
    return "0" if value is None else f"{round(float(value), 2):g}"


def duration(seconds: int | None) -> str:
    """Time spent as people say it: 45 min, 1 h 5 min; under a minute is not rounded to nothing."""
    seconds = seconds or 0
    if seconds == 0:
        return "0 min"
    if seconds < 60:
        return "under a minute"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def init_app(app: Flask) -> None:
    app.add_template_filter(number)
    app.add_template_filter(duration)
    loaders: list[BaseLoader] = [FunctionLoader(question_partial)]
    if app.jinja_loader is not None:
        loaders.insert(0, app.jinja_loader)
    app.jinja_loader = ChoiceLoader(loaders)
