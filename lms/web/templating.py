"""Template loading: the app's templates folder, plus each question type's partials from its module."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask, g, has_request_context
from flask_login import current_user
from jinja2 import BaseLoader, ChoiceLoader, FunctionLoader

from lms.questions import QUESTION_TYPES
from lms.services.time_zones import UTC_NAME, zone

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


def time_needed(seconds: int) -> str:
    """Time still to spend, rounded up to whole minutes: "about 3 min" never sends an agent back too soon."""
    return duration(-(-seconds // 60) * 60)


def chosen_zone_name() -> str | None:
    """The signed-in agent's time zone, if they chose one on their profile."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    if "chosen_zone_name" not in g:
        profile = current_user.profile
        g.chosen_zone_name = profile.time_zone if profile is not None else None
    return g.chosen_zone_name


def use_zone_name(name: str | None) -> None:
    """For a view that read the agent's time zone with its page: the page needs no query of its own."""
    g.chosen_zone_name = name


def viewer_zone() -> ZoneInfo:
    """The zone this page shows times in: the agent's own, else UTC (looked up once per request)."""
    if not has_request_context():
        return zone(None)
    if "viewer_zone" not in g:
        g.viewer_zone = zone(chosen_zone_name())
    return g.viewer_zone


def zone_abbreviation(moment: dt.datetime) -> str:
    """CDT, EST, UTC; where the zone has no letters for itself, its offset: UTC+05:45."""
    name = moment.tzname() or UTC_NAME
    if name[:1] not in "+-":
        return name
    offset = moment.utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _local(value: dt.datetime) -> dt.datetime:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(viewer_zone())


def _clock(moment: dt.datetime) -> str:
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def local_time(value: dt.datetime | None) -> str:
    """A moment as the agent's wall clock shows it, the zone named: 3:45 PM CDT."""
    if value is None:
        return ""
    moment = _local(value)
    return f"{_clock(moment)} {zone_abbreviation(moment)}"


def local_datetime(value: dt.datetime | None) -> str:
    """September 1, 2029, 3:45 PM CDT."""
    if value is None:
        return ""
    moment = _local(value)
    return f"{moment:%B} {moment.day}, {moment.year}, {_clock(moment)} {zone_abbreviation(moment)}"


def local_date(value: dt.datetime | None) -> str:
    """The calendar day it was where the agent lives: September 1, 2029."""
    if value is None:
        return ""
    moment = _local(value)
    return f"{moment:%B} {moment.day}, {moment.year}"


def init_app(app: Flask) -> None:
    app.add_template_filter(number)
    for formatter in (local_time, local_datetime, local_date):
        app.add_template_filter(formatter)
    app.add_template_global(chosen_zone_name)
    app.add_template_filter(duration)
    app.add_template_filter(time_needed)
    loaders: list[BaseLoader] = [FunctionLoader(question_partial)]
    if app.jinja_loader is not None:
        loaders.insert(0, app.jinja_loader)
    app.jinja_loader = ChoiceLoader(loaders)
