"""Holds the current Catalog and swaps in a fresh one when content changes (no Flask here)."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from lms.content.catalog import Catalog
from lms.content.loader import ContentLoader
from lms.content.paths import CONTENT_DIRS

log = logging.getLogger(__name__)


class CatalogStore:
    def __init__(self, root: Path):
        self.loader = ContentLoader(root)
        self.catalog: Catalog = self.loader.load()
        self._signature = self._stat_signature()
        self._log_problems()

    def reload(self) -> Catalog:
        """Re-read the content root; only files whose bytes changed are parsed and rendered again."""
        self.catalog = self.loader.load()
        self._signature = self._stat_signature()
        self._log_problems()
        return self.catalog

    def reload_if_changed(self) -> bool:
        signature = self._stat_signature()
        if signature == self._signature:
            return False
        self.reload()
        return True

    def _stat_signature(self) -> tuple:
        entries = []
        for top in CONTENT_DIRS:
            for folder, _dirs, files in os.walk(self.loader.root / top):
                for name in files:
                    stat = os.stat(os.path.join(folder, name))
                    entries.append((folder, name, stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(entries))

    def _log_problems(self) -> None:
        catalog = self.catalog
        if catalog.problems:
            log.warning("content has %d errors and %d warnings; run `lms check` for the list",
                        catalog.error_count, catalog.warning_count)

    def watch(self, interval: float = 1.0) -> threading.Thread:
        """Poll the content root in the background (for authors running `make run`)."""
        def loop() -> None:
            while True:
                time.sleep(interval)
                try:
                    if self.reload_if_changed():
                        log.info("content reloaded (%d files re-rendered)", self.loader.rebuilt_last_load)
                except Exception:  # a half-saved file must not kill the watcher
                    log.exception("content reload failed")

        thread = threading.Thread(target=loop, name="content-watcher", daemon=True)
        thread.start()
        return thread
