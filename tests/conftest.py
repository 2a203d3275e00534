"""Shared fixtures in the flaskr style: app, client, runner."""

from __future__ import annotations

import pytest

from lms.app import create_app
from lms.config import PROJECT_ROOT


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "CONTENT_ROOT": str(PROJECT_ROOT)})
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
