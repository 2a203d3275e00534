"""Where each kind of content file lives, and the key it gets: the one place that knows the folder layout.

    courses/<program>/program.yaml            program   key: <program>
    courses/<program>/agreements/<name>.md    agreement key: <program>/<name>
    courses/<program>/<track>/track.yaml      track     key: <program>/<track>
    courses/<program>/<track>/NN-<slug>.md    module    key: <program>/<track>/<slug>
    quizzes/<any/path>.yaml                   exam      key: <any/path>
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

COURSES, QUIZZES = "courses", "quizzes"
CONTENT_DIRS = (COURSES, QUIZZES)
CONTENT_SUFFIXES = (".md", ".yaml", ".yml")
_MODULE_PREFIX = re.compile(r"^\d+-")


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the content root, with forward slashes
    kind: str  # program | track | module | agreement | exam | stray | asset
    key: str | None


def module_slug(filename: str) -> str:
    """The stable part of a module file name: `02-eligibility.md` -> `eligibility`."""
    stem = filename[:-3] if filename.endswith(".md") else filename
    return _MODULE_PREFIX.sub("", stem)


def classify(path: str) -> SourceFile:
    parts = path.split("/")
    name = parts[-1]
    if parts[0] == QUIZZES and len(parts) >= 2 and name.endswith(".yaml"):
        return SourceFile(path, "exam", path[len(QUIZZES) + 1:-len(".yaml")])
    if parts[0] == COURSES:
        if len(parts) == 3 and name == "program.yaml":
            return SourceFile(path, "program", parts[1])
        if len(parts) == 4 and parts[2] == "agreements" and name.endswith(".md"):
            return SourceFile(path, "agreement", f"{parts[1]}/{name[:-3]}")
        if len(parts) == 4 and name == "track.yaml":
            return SourceFile(path, "track", f"{parts[1]}/{parts[2]}")
        if len(parts) == 4 and name.endswith(".md"):
            return SourceFile(path, "module", f"{parts[1]}/{parts[2]}/{module_slug(name)}")
    if name.endswith(CONTENT_SUFFIXES):
        return SourceFile(path, "stray", None)
    return SourceFile(path, "asset", None)


def ignored(name: str) -> bool:
    """Hidden files and README.md notes that authors keep beside their content."""
    return name.startswith(".") or name.lower() == "readme.md"


def walk(root: Path):
    """(folder, file names) under courses/ and quizzes/, in a stable order, hidden folders skipped."""
    for top in CONTENT_DIRS:
        base = root / top
        if not base.is_dir():
            continue
        for folder, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            yield folder, sorted(name for name in files if not ignored(name))


def discover(root: Path) -> list[SourceFile]:
    return [classify(f"{Path(folder).relative_to(root).as_posix()}/{name}")
            for folder, names in walk(root) for name in names]


def program_folder(program_key: str) -> str:
    return f"{COURSES}/{program_key}"


def program_file(program_key: str) -> str:
    return f"{program_folder(program_key)}/program.yaml"


def track_folder(track_key: str) -> str:
    return f"{COURSES}/{track_key}"


def track_file(track_key: str) -> str:
    return f"{track_folder(track_key)}/track.yaml"


def agreement_file(program_key: str, name: str) -> str:
    return f"{program_folder(program_key)}/agreements/{name}.md"


def exam_file(exam_key: str) -> str:
    return f"{QUIZZES}/{exam_key}.yaml"


def program_of(path: str) -> str | None:
    """The program a file under courses/ belongs to."""
    parts = path.split("/")
    return parts[1] if parts[0] == COURSES and len(parts) > 2 else None


def page_key(resolved: str) -> str | None:
    """The page of a module or agreement file: `courses/py2022/x/02-y.md` -> `py2022/x/y`."""
    parts = resolved.split("/")
    if len(parts) != 4 or parts[0] != COURSES or not parts[3].endswith(".md"):
        return None
    return f"{parts[1]}/{parts[2]}/{module_slug(parts[3])}"


def is_asset_path(resolved: str) -> bool:
    """Files under courses/ that are not content (images, PDFs) may be served to learners."""
    return resolved.startswith(COURSES + "/") and not resolved.endswith(CONTENT_SUFFIXES)


def real_location(root: Path, relative: str) -> Path:
    return (root / relative).resolve()


def leaves_content(root: Path, relative: str) -> str | None:
    """Why a file may not be read or served (a link out of the content root, or into quizzes/), or None."""
    real, base = real_location(root, relative), root.resolve()
    if not real.is_relative_to(base):
        return f"is a symbolic link to {real}, outside the content folder"
    if real.is_relative_to(base / QUIZZES) and not relative.startswith(QUIZZES + "/"):
        return "leads into quizzes/, whose exam files (with their answer keys) are never served"
    return None
