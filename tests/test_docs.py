"""docs/authoring.md keeps step with the schemas: every key, every default and every problem code is in it."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from lms.config import PROJECT_ROOT
from lms.content import schemas
from lms.content.problems import PROBLEM_CODES
from lms.questions import QUESTION_TYPES
from lms.questions.choices import ChoiceSpec
from lms.questions.matching import PairSpec

GUIDE = (PROJECT_ROOT / "docs" / "authoring.md").read_text()
SCHEMAS = [schemas.ProgramSpec, schemas.RegistrationSpec, schemas.TrackSpec, schemas.UnlockSpec, schemas.ModuleSpec,
           schemas.AgreementSpec, schemas.ExamSpec, schemas.ReviewSpec, ChoiceSpec, PairSpec,
           *(kind.spec for kind in QUESTION_TYPES.values())]


TABLE_ROWS = [line for line in GUIDE.splitlines() if line.startswith("| `")]


def rows_for(key: str) -> list[str]:
    """Table rows whose first cell names the key: `key`, `parent.key`, `key: value` or `{key, other}`."""
    cell = re.compile(rf"^\| `(?:[a-z_]+\.)?{key}(?:`|: )|^\| [^|]*`\{{[^}}]*\b{key}\b")
    found = [row for row in TABLE_ROWS if cell.search(row)]
    if not found:  # keys listed inside another key's row, such as the pairs' `{left, right}`
        found = [row for row in GUIDE.splitlines() if row.startswith("|") and re.search(rf"\b{key}\b", row)]
    return found


def written(default) -> list[str]:
    """How the guide may write a default value."""
    if default is None:
        return ["optional", "omitted"]
    if isinstance(default, bool):
        return [f"`{str(default).lower()}`"]
    if default == "":
        return ['`""`']
    if default == []:
        return ["`[]`"]
    if default == {}:
        return ["`{}`"]
    if isinstance(default, BaseModel):  # a mapping with its own defaults, written out in full
        return ["`{" + ", ".join(f"{key}: {value}" for key, value in default.model_dump().items()) + "}`"]
    return [f"`{default}`"]


@pytest.mark.parametrize("model", SCHEMAS, ids=lambda model: model.__name__)
def test_every_key_is_in_a_table_with_its_default(model: type[BaseModel]):
    for name, info in model.model_fields.items():
        if name == "type" and model.__name__.endswith("Spec") and model not in (schemas.TrackSpec,):
            assert rows_for("type"), "the question `type` key"
            continue
        rows = rows_for(name)
        assert rows, f"{model.__name__}.{name} has no row in docs/authoring.md"
        if model is schemas.UnlockSpec:
            continue  # alternatives: each condition has exactly one of these keys, so none has a default
        if info.default is not PydanticUndefined:
            assert any(word in row for row in rows for word in written(info.default)), \
                f"{model.__name__}.{name}: no row gives its default {info.default!r}"
        else:
            assert any("required" in row for row in rows), f"{model.__name__}.{name}: no row says it is required"


def test_every_question_type_is_documented():
    for name in QUESTION_TYPES:
        assert re.search(rf"^#### `{name}`", GUIDE, re.MULTILINE), name
        assert f"`{name}`" in rows_for("type")[0]


@pytest.mark.parametrize("code", sorted(PROBLEM_CODES))
def test_every_problem_code_is_explained(code):
    assert f"#### `{code}` ({PROBLEM_CODES[code]})" in GUIDE


def test_the_guide_explains_no_code_the_checker_never_prints():
    documented = set(re.findall(r"^#### `([a-z0-9-]+)` \((?:error|warning)\)", GUIDE, re.MULTILINE))
    assert documented == set(PROBLEM_CODES)
