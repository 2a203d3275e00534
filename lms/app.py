"""create_app: the one place where the application is wired together."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template

from lms import config, db
from lms.web import catalog_store, security


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    instance = config.instance_path()
    app = Flask(
        __name__,
        instance_path=str(instance),
        template_folder=str(config.PROJECT_ROOT / "templates"),
        static_folder=str(config.PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(config.from_environment(instance))
    if test_config:
        app.config.from_mapping(test_config)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    db.init_app(app)
    catalog_store.init_app(app)
    security.init_app(app)

    from lms import commands
    from lms.web import admin, auth, author, catalog, player, public

    for blueprint in (public.bp, auth.bp, player.bp, catalog.bp, admin.bp, author.bp):
        app.register_blueprint(blueprint)
    commands.init_app(app)
    _register_error_pages(app)
    return app


def _register_error_pages(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        def handler(_error):
            return render_template("error.html", code=code, title=title, message=message), code

        app.register_error_handler(code, handler)

    page(403, "Not allowed", "Your account does not have access to this page.")
    page(404, "Page not found", "We could not find that page. Check the address, or start again from the home page.")
    page(405, "Not allowed", "That action is not available on this page.")
    page(500, "Something went wrong", "The server hit an unexpected problem. Please try again in a moment.")
