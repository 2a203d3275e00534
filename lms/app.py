"""create_app: the one place where the application is wired together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lms import commands, config, extensions
from lms.web import (
    admin,
    admin_exports,
    admin_stats,
    admin_uploads,
    api,
    auth,
    author,
    courses,
    database,
    errors,
    player,
    public,
    routing,
    security,
    templating,
)


class _Site(Flask):
    """Flask, remembering which hooks and views need no async wrapper. Flask asks `inspect` again for
    each hook and view on every request (seven times for a module page); a function's answer never
    changes. Kept for at most `_SYNC_KEPT` functions, in case some are made per request."""

    _SYNC_KEPT = 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            return self._sync[func]
        except KeyError:
            if len(self._sync) >= self._SYNC_KEPT:
                self._sync.clear()
            made = self._sync[func] = super().ensure_sync(func)
            return made
        except TypeError:  # a method of an unhashable object
            return super().ensure_sync(func)


def create_app(test_config: dict[str, Any] | None = None, *, for_commands: bool = False) -> Flask:
    """The application. `for_commands`: built for `lms` commands, which may run without serving settings."""
    instance = config.instance_path()
    app = _Site(
        __name__,
        instance_path=str(instance),
        template_folder=str(config.PROJECT_ROOT / "templates"),
        static_folder=str(config.PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(config.from_environment(instance))
    if test_config:
        app.config.from_mapping(test_config)
    _check_serving_settings(app, for_commands)
    app.config["TRUSTED_HOSTS"] = config.trusted_hosts(app.config)
    if app.config.get("PROXY_HOPS"):
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    app.url_map.converters["id"] = routing.IdConverter
    extensions.init_app(app)
    templating.init_app(app)
    database.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    for blueprint in (public.bp, auth.bp, player.bp, courses.bp, admin.bp, admin_stats.bp, admin_uploads.bp,
                      author.bp):
        app.register_blueprint(blueprint)
    for blueprint in (admin_exports.bp, api.bp):
        app.register_blueprint(blueprint)
    security.csrf.exempt(api.bp)  # token-authenticated and read-only: no cookie, so nothing to forge
    commands.init_app(app)
    delivery = app.extensions.get(extensions.DELIVERY)
    if delivery is not None:  # started in each worker process on its first request (after any fork)
        app.before_request(delivery.ensure_started)
    return app


def _check_serving_settings(app: Flask, for_commands: bool) -> None:
    if for_commands or app.debug or app.testing or app.config.get("PUBLIC_URL"):
        return
    raise config.ConfigError(
        "Set LMS_PUBLIC_URL to the address people use to reach this site (for example "
        "https://training.example.org): links in emails are built from it, never from a request's Host header.")
