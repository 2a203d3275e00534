"""Read a content root into a Catalog, re-building only the files whose bytes changed."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from lms.content import paths
from lms.content.builders import (
    FileResult,
    build_agreement,
    build_exam,
    build_module,
    build_program,
    build_track,
    sha256,
)
from lms.content.catalog import Catalog
from lms.content.crosscheck import cross_check
from lms.content.markdown import Renderer
from lms.content.paths import CONTENT_DIRS, discover
from lms.content.problems import Problem

Builder = Callable[[str, str, bytes, Renderer], FileResult]
BUILDERS: dict[str, Builder] = {
    "program": build_program,
    "track": build_track,
    "module": build_module,
    "agreement": build_agreement,
    "exam": build_exam,
}


class ContentRootError(Exception):
    """The content root itself cannot be used (missing, not a folder, unreadable)."""


def default_content_root() -> Path:
    """LMS_CONTENT_ROOT, else the working folder when it holds courses/, else this repository."""
    configured = os.environ.get("LMS_CONTENT_ROOT")
    if configured:
        return Path(configured)
    here = Path.cwd()
    if (here / "courses").is_dir():
        return here
    return Path(__file__).resolve().parents[2]


class ContentLoader:
    """Loads a content root; keeps each file's result keyed by its SHA-256 for fast reloads."""

    def __init__(self, root: Path | str, renderer: Renderer | None = None):
        self.root = Path(root)
        self.renderer = renderer or Renderer()
        self._cache: dict[str, tuple[str, FileResult]] = {}
        self._lock = threading.Lock()
        self.rebuilt_last_load = 0

    def load(self) -> Catalog:
        with self._lock:
            return self._load()

    def _load(self) -> Catalog:
        if not self.root.exists():
            raise ContentRootError(f"content root {self.root} does not exist")
        if not self.root.is_dir():
            raise ContentRootError(f"content root {self.root} is not a folder")
        if not any((self.root / top).is_dir() for top in CONTENT_DIRS):
            raise ContentRootError(f"content root {self.root} has neither courses/ nor quizzes/")
        sources = discover(self.root)
        results: dict[str, FileResult] = {}
        read_problems: list[Problem] = []
        fresh: dict[str, tuple[str, FileResult]] = {}
        rebuilt = 0
        for source in sources:
            if source.kind not in BUILDERS or source.key is None:
                continue
            unsafe = paths.leaves_content(self.root, source.path)
            if unsafe:
                read_problems.append(Problem(source.path, 1, 1, "error", "unsafe-file",
                                             f"this file {unsafe}; it is not read"))
                continue
            try:
                data = (self.root / source.path).read_bytes()
            except OSError as exc:
                read_problems.append(Problem(source.path, 1, 1, "error", "unreadable",
                                             f"cannot read file: {exc.strerror or exc}"))
                continue
            digest = sha256(data)
            cached = self._cache.get(source.path)
            if cached and cached[0] == digest:
                result = cached[1]
            else:
                result = BUILDERS[source.kind](source.key, source.path, data, self.renderer)
                rebuilt += 1
            fresh[source.path] = (digest, result)
            results[source.path] = result
        self._cache = fresh
        self.rebuilt_last_load = rebuilt
        return cross_check(self.root, sources, results, read_problems)


def load_catalog(root: Path | str | None = None) -> Catalog:
    return ContentLoader(root or default_content_root()).load()
