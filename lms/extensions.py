"""The app's shared parts (database, catalog, clock), as the web layer and the `lms` commands reach them.

`create_app` builds them once; views and commands ask here instead of importing each other.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask, current_app

from lms.clock import Clock
from lms.content import Catalog, default_content_root
from lms.content.store import CatalogStore
from lms.db import Database
from lms.integrations import load_handlers
from lms.outbox import BackgroundDelivery, Dispatcher

DATABASE, CATALOG, CLOCK, OUTBOX, DELIVERY = "lms.db", "lms.catalog", "lms.clock", "lms.outbox", "lms.delivery"


def init_app(app: Flask) -> None:
    config = app.config
    app.extensions[DATABASE] = Database(config["DATABASE_URL"], **config.get("DATABASE_ENGINE_OPTIONS", {}))
    store = CatalogStore(Path(config.get("CONTENT_ROOT") or default_content_root()))
    app.extensions[CATALOG] = store
    if config.get("CONTENT_AUTO_RELOAD"):
        store.watch()
    app.extensions[CLOCK] = Clock(config.get("TODAY"))
    handlers = load_handlers(config.get("INTEGRATIONS", ()), config, app.extensions[DATABASE])
    dispatcher = Dispatcher(app.extensions[DATABASE], handlers,
                            lease=dt.timedelta(seconds=config.get("OUTBOX_LEASE_SECONDS", 300)))
    app.extensions[OUTBOX] = dispatcher
    if config.get("OUTBOX_WORKER") == "thread" and not app.testing:
        app.extensions[DELIVERY] = BackgroundDelivery(dispatcher)


def database() -> Database:
    return current_app.extensions[DATABASE]


def catalog_store() -> CatalogStore:
    return current_app.extensions[CATALOG]


def catalog() -> Catalog:
    return catalog_store().catalog


def clock() -> Clock:
    return current_app.extensions[CLOCK]


def outbox() -> Dispatcher:
    return current_app.extensions[OUTBOX]


def background_delivery() -> BackgroundDelivery | None:
    return current_app.extensions.get(DELIVERY)
