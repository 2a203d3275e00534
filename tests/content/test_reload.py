"""Reloading re-reads every file but re-builds only the ones whose bytes changed."""

from __future__ import annotations

import dataclasses

import pytest

from lms.content import ContentLoader
from tests.support.content_trees import VALID_TREE, write_tree

MODULE = "courses/py2030/core/01-intro.md"


def test_reload_rebuilds_only_the_changed_file(tmp_path):
    loader = ContentLoader(write_tree(tmp_path, {}))
    first = loader.load()
    assert loader.rebuilt_last_load == len(VALID_TREE)
    (tmp_path / MODULE).write_text(VALID_TREE[MODULE].replace("# Welcome", "# Welcome back"))
    second = loader.load()
    assert loader.rebuilt_last_load == 1
    assert "Welcome back" in second.modules["py2030/core/intro"].html
    assert second.modules["py2030/core/rules"] is first.modules["py2030/core/rules"]
    assert second.modules["py2030/core/intro"].content_hash != first.modules["py2030/core/intro"].content_hash


def test_reload_sees_new_and_deleted_files(tmp_path):
    loader = ContentLoader(write_tree(tmp_path, {}))
    loader.load()
    (tmp_path / "courses/py2030/extra/01-more.md").unlink()
    catalog = loader.load()
    assert "py2030/extra/more" not in catalog.modules
    assert any(p.code == "missing-file" for p in catalog.problems)
    assert loader.rebuilt_last_load == 0


def test_catalog_is_immutable(tmp_path):
    catalog = ContentLoader(write_tree(tmp_path, {})).load()
    with pytest.raises(TypeError):
        catalog.modules["x"] = None  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.exams["py2030/core/rules"].pass_percent = 0  # type: ignore[misc]
