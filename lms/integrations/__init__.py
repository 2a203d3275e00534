"""Outside systems that react to domain events. Each plugs in as an outbox handler, never inside a transaction.

`INTEGRATIONS` (setting `LMS_INTEGRATIONS`, comma-separated) names the handler factories to load,
as "module:function"; each factory takes the app's settings and database and returns a Handler.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from lms.db import Database
from lms.outbox import Handler

DEFAULT = ("lms.integrations.email:handler",)


def load_handlers(names: tuple[str, ...] | list[str], settings: Mapping[str, Any], database: Database) -> list[Handler]:
    handlers = []
    for name in names:
        module_name, _, factory = name.strip().partition(":")
        if not module_name or not factory:
            raise ValueError(f"integration {name!r} must look like 'package.module:factory'")
        handlers.append(getattr(importlib.import_module(module_name), factory)(settings, database))
    return handlers
