"""The layering of DESIGN.md §2, checked on the code itself so a stray import cannot creep in."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lms.config import PROJECT_ROOT

LMS = PROJECT_ROOT / "lms"


def modules_under(*parts: str) -> list[Path]:
    base = LMS.joinpath(*parts)
    return sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(PROJECT_ROOT)} imports {name}" for path in paths for name in sorted(imports_of(path))
            if any(name == prefix or name.startswith(prefix + ".") for prefix in forbidden)]


RULES = [
    # (what, files, imports they must not make)
    ("content knows neither Flask nor the database", modules_under("content"),
     ("flask", "flask_login", "flask_wtf", "sqlalchemy", "lms.db", "lms.models", "lms.services", "lms.web")),
    ("question types know neither Flask nor the database", modules_under("questions"),
     ("flask", "sqlalchemy", "lms.db", "lms.models", "lms.services", "lms.web")),
    ("models import no Flask and no rules", modules_under("models"), ("flask", "lms.services", "lms.web")),
    ("services import no Flask", modules_under("services"), ("flask", "flask_login", "flask_wtf", "lms.web")),
    ("the data layer, events and outbox import no Flask",
     modules_under("db") + modules_under("events") + modules_under("outbox") + modules_under("clock"),
     ("flask", "lms.web")),
    ("integrations import no Flask", modules_under("integrations"), ("flask", "lms.web")),
    ("commands import nothing from the web layer", modules_under("commands") + modules_under("cli"), ("lms.web",)),
]


@pytest.mark.parametrize(("rule", "paths", "forbidden"), RULES, ids=[rule for rule, *_ in RULES])
def test_import_rules(rule, paths, forbidden):
    assert paths, rule
    assert offending(paths, forbidden) == [], rule


def test_importing_content_models_and_services_leaves_flask_out():
    services = sorted(path.stem for path in (LMS / "services").glob("*.py") if path.stem != "__init__")
    code = ("import sys, lms.content, lms.models, lms.questions, lms.events, lms.outbox, lms.integrations.email\n"
            + "".join(f"import lms.services.{name}\n" for name in services)
            + "print(sorted(name for name in sys.modules if name.split('.')[0] in ('flask', 'flask_login', "
              "'flask_wtf', 'werkzeug')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True)
    assert result.stdout.strip() == "[]"


def test_views_hold_no_transactions():
    found = [f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}"
             for path in modules_under("web") for number, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"\.(commit|rollback)\(\)|\.write\(\)", line)]
    assert found == []


def test_views_import_no_models_for_writing():
    """Views read through services; the ORM session is the request's, for reading only."""
    found = [f"{path.relative_to(PROJECT_ROOT)}: {line.strip()}" for path in modules_under("web")
             for line in path.read_text().splitlines() if re.search(r"\bsession\.(add|delete|execute)\(", line)]
    assert found == []
