"""Module pages as most agents see them, kept per worker: shared by the view, which renders and keeps
them, and the page lane, which serves a kept one without Flask."""

from __future__ import annotations

from lms.content.catalog import Module
from lms.services.module_page import ModulePage
from lms.web.page_cache import PageCache, new_mark
from lms.web.templating import time_needed

# Not completed, or completed on a given day: rendered once for every agent in that state.
MODULE_PAGES = PageCache()
OPENED_MARK = new_mark("opened")  # where the page's signed seat-time note goes


def page_key(module: Module, role: str, state: ModulePage, minimum_seconds: int, completed_on: str) -> tuple:
    """Everything the page shows that differs between agents; the rest is the module and the catalog.
    `completed_on` is the day the agent completed it, in their time zone ("" when not completed)."""
    spent = state.progress.seconds_spent if state.progress else 0
    return (module.key, role, state.completed, state.exam_passed, completed_on,
            time_needed(minimum_seconds - spent) if minimum_seconds > spent else "")
