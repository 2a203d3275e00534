"""The module, exam and attempt pages kept per worker, and what keys each: shared by the views, which
render and keep them, and the page lane, which sends a kept one without Flask."""

from __future__ import annotations

import datetime as dt
import json

from lms.content.catalog import Exam, Module
from lms.services.attempt_page import AttemptPage
from lms.services.module_page import ModulePage
from lms.services.standings import Standing
from lms.web.page_cache import PageCache, new_mark
from lms.web.templating import time_needed

# Not completed, or completed on a given day: rendered once for every agent in that state.
MODULE_PAGES = PageCache()
OPENED_MARK = new_mark("opened")  # where the page's signed seat-time note goes


def module_page_key(module: Module, role: str, state: ModulePage, minimum_seconds: int, completed_on: str) -> tuple:
    """Everything the page shows that differs between agents; the rest is the module and the catalog.
    `completed_on` is the day the agent completed it, in their time zone ("" when not completed)."""
    spent = state.progress.seconds_spent if state.progress else 0
    return (module.key, role, state.completed, state.exam_passed, completed_on,
            time_needed(minimum_seconds - spent) if minimum_seconds > spent else "")


# Agents open an exam's page before each attempt and come back to it after; until they start,
# every agent in the same role sees the same page.
EXAM_PAGES = PageCache(size=1024)


def exam_page_key(exam: Exam, role: str, standing: Standing, zone: str | None) -> tuple:
    """Everything the exam page shows that differs between agents; the rest is the exam and the catalog.
    `zone` is the agent's time zone, in which submitted attempts are listed (None when there are none)."""
    return (exam.key, role, standing.allowed, standing.attempts, zone)


# An agent reloads the attempt page and comes back to it; between saves, only the time left changes.
ATTEMPT_PAGES = PageCache(size=512)
SECONDS_LEFT_MARK, MINUTES_LEFT_MARK = new_mark("seconds-left"), new_mark("minutes-left")


def answers_json(page: AttemptPage) -> str:
    return json.dumps(page.answers, sort_keys=True)


def attempt_page_key(page: AttemptPage, role: str, answers: str) -> tuple:
    """Everything the page shows that differs between requests but the time left and the CSRF token,
    which are spliced in (`time_left`). `answers` is `answers_json(page)`."""
    return (page.id, page.number, page.exam.content_hash, page.seed, answers, page.deadline, page.saved_at,
            page.last_attempt, page.time_zone, role)


def time_left(page: AttemptPage, now: dt.datetime) -> dict[str, str]:
    """The attempt page's markers for the time left, with their values at `now`."""
    seconds_left = max(0, int((page.deadline - now).total_seconds())) if page.deadline else 0
    return {SECONDS_LEFT_MARK: str(seconds_left), MINUTES_LEFT_MARK: str(seconds_left // 60)}
