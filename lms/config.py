"""Settings, read from the environment so no secret lives in the code or the repository."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def instance_path() -> Path:
    return Path(os.environ.get("LMS_INSTANCE_PATH", PROJECT_ROOT / "instance")).resolve()


def secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment; for a local install, one generated once into instance/."""
    configured = os.environ.get("SECRET_KEY")
    if configured:
        return configured
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def from_environment(instance: Path) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'lms.db'}"
    return {
        "SECRET_KEY": secret_key(instance),
        "DATABASE_URL": database_url,
        "CONTENT_ROOT": os.environ.get("LMS_CONTENT_ROOT"),
        "CONTENT_AUTO_RELOAD": os.environ.get("LMS_CONTENT_AUTO_RELOAD", "") == "1",
    }
