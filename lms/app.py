"""create_app: the one place where the application is wired together."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.globals import _cv_request
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
from lms.web.page_lane import PageLane
from lms.web.post_lane import PostLane


class _Site(Flask):
    """Flask, remembering answers that never change while it serves.

    Which hooks and views need no async wrapper: Flask asks `inspect` again for each hook and view on
    every request (seven times for a module page). Kept for at most `_SYNC_KEPT` functions, in case
    some are made per request.

    The links a request builds: a page rendered afresh builds the same dozen or more (the menu, the
    breadcrumbs) on every request, and werkzeug builds each again from its rule (a fifth of a result
    page's work). Once serving, the URL map cannot change, so a link depends only on the endpoint, its
    values and the path the site is served under; links to other hosts (`_external`, `_scheme`) and
    a site with URL defaults (which may differ per request) are always built. At most `_LINKS_KEPT`.
    """

    _SYNC_KEPT = 1024
    _LINKS_KEPT = 4096

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}
        self._links: dict[tuple[Any, ...], str] = {}

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

    def url_for(self, /, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values: Any) -> str:
        context = _cv_request.get(None)  # as Flask's own url_for reads it; the `request` proxy costs a third more
        if (_external is not None or _scheme is not None or endpoint[:1] == "." or self.url_default_functions
                or context is None):
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                                   _external=_external, **values)
        # Types too: True == 1, but a converter may write them differently.
        key = (context.request.root_path, endpoint, _anchor, _method, *values.items(), *map(type, values.values()))
        try:
            link = self._links.get(key)
        except TypeError:  # an unhashable value (a list for a repeated query parameter)
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)
        if link is not None:
            return link
        link = super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)
        if link.startswith("/"):  # a link on this host (werkzeug makes it absolute for a rule on another)
            if len(self._links) >= self._LINKS_KEPT:
                self._links.clear()
            self._links[key] = link
        return link


# CPython collects its youngest generation every 700 new container objects. A submission makes several
# thousand (its layout, its score, its rows), so a few collections ran inside each, and each moved the
# request's objects still in use on to the older generations, to be walked again there: 7 % of a
# submission's instructions (bench/instructions.py, 3.70 → 3.44 million at 10,000; pages under 1 %).
# What a worker keeps (the catalog, kept pages, compiled statements) is made once and stays.
GC_YOUNG_THRESHOLD = 10_000


def _collect_garbage_less_often() -> None:
    young, *older = gc.get_threshold()
    if young < GC_YOUNG_THRESHOLD:  # a process tuned higher already keeps its setting
        gc.set_threshold(GC_YOUNG_THRESHOLD, *older)


def create_app(test_config: dict[str, Any] | None = None, *, for_commands: bool = False) -> Flask:
    """The application. `for_commands`: built for `lms` commands, which may run without serving settings."""
    _collect_garbage_less_often()
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
    if app.config.get("PAGE_LANE", True):  # in front of Flask, behind any ProxyFix
        app.wsgi_app = PageLane(app, app.wsgi_app)  # type: ignore[method-assign]
    if app.config.get("POST_LANE", True):
        app.wsgi_app = PostLane(app, app.wsgi_app)  # type: ignore[method-assign]
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
