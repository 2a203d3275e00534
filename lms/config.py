"""Settings, read from the environment so no secret lives in the code or the repository."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

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


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return default if value is None else [item.strip() for item in value.split(",") if item.strip()]


DEVELOPMENT_URL = "http://127.0.0.1:5000"


class ConfigError(Exception):
    """A setting the app cannot run without is missing or wrong; the message says how to fix it."""


def public_url(settings) -> str:
    """Where links in emails point: LMS_PUBLIC_URL, or the development address when it is unset."""
    return (settings.get("PUBLIC_URL") or DEVELOPMENT_URL).rstrip("/")


def trusted_hosts(settings) -> list[str] | None:
    """LMS_TRUSTED_HOSTS, else the public URL's host (with `localhost` beside a loopback address)."""
    if settings.get("TRUSTED_HOSTS"):
        return list(settings["TRUSTED_HOSTS"])
    if not settings.get("PUBLIC_URL"):
        return None
    host = urlsplit(settings["PUBLIC_URL"]).hostname
    if not host:
        raise ConfigError(f"LMS_PUBLIC_URL {settings['PUBLIC_URL']!r} is not an address like https://training.example.org")
    return [host, "localhost"] if host in ("127.0.0.1", "::1", "localhost") else [host]


def engine_options() -> dict:
    """Connection pool settings (PostgreSQL); SQLite opens a connection per thread and ignores them."""
    return {"pool_size": int(os.environ.get("LMS_DB_POOL_SIZE", "10")),
            "max_overflow": int(os.environ.get("LMS_DB_MAX_OVERFLOW", "10")),
            "pool_recycle": int(os.environ.get("LMS_DB_POOL_RECYCLE", "1800")),
            "pool_pre_ping": _flag("LMS_DB_POOL_PRE_PING", False)}


def from_environment(instance: Path) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'lms.db'}"
    settings = {
        "SECRET_KEY": secret_key(instance),
        "DATABASE_URL": database_url,
        "DATABASE_ENGINE_OPTIONS": engine_options(),
        "CONTENT_ROOT": os.environ.get("LMS_CONTENT_ROOT"),
        "CONTENT_AUTO_RELOAD": _flag("LMS_CONTENT_AUTO_RELOAD", False),
        # Secure cookies need HTTPS; `make run` serves plain HTTP on loopback and turns this off.
        "COOKIE_SECURE": _flag("LMS_COOKIE_SECURE", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Marketplace Agent Training <no-reply@localhost>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587")),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME"),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _flag("SMTP_STARTTLS", True),
        "INSTANCE_PATH": str(instance),
        # The address people use to reach the site; links in emails are built from it, never from the
        # request's Host header. Required to serve outside debug (see create_app).
        "PUBLIC_URL": os.environ.get("LMS_PUBLIC_URL") or None,
        # Host names requests may name; others get 400. Default: the public URL's host.
        "TRUSTED_HOSTS": _list("LMS_TRUSTED_HOSTS", []) or None,
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host headers are believed.
        "PROXY_HOPS": int(os.environ.get("LMS_PROXY_HOPS", "0")),
        # The largest request body accepted (bytes); the biggest real form is a long exam, well under this.
        "MAX_CONTENT_LENGTH": int(os.environ.get("LMS_MAX_BODY_BYTES", str(256 * 1024))),
        # The largest CSV an admin may upload (producer registry, completions); only admins' uploads get it.
        "UPLOAD_MAX_BYTES": int(os.environ.get("LMS_MAX_UPLOAD_BYTES", str(32 * 1024 * 1024))),
        # Outbox handlers to load ("module:factory", comma-separated).
        "INTEGRATIONS": _list("LMS_INTEGRATIONS", ["lms.integrations.email:handler"]),
        # "thread": each web worker delivers outbox events in the background; "off": run `lms outbox --watch`.
        "OUTBOX_WORKER": os.environ.get("LMS_OUTBOX_WORKER", "thread"),
        # Heartbeats, autosaves, starts and submissions Flask would certainly accept are answered before Flask
        # (lms/web/post_lane.py); LMS_HEARTBEAT_LANE is the setting's earlier name.
        "POST_LANE": _flag("LMS_POST_LANE", _flag("LMS_HEARTBEAT_LANE", True)),
        # Kept module, exam and attempt pages sent before Flask's request machinery (lms/web/page_lane.py).
        "PAGE_LANE": _flag("LMS_PAGE_LANE", True),
        "OUTBOX_LEASE_SECONDS": int(os.environ.get("LMS_OUTBOX_LEASE_SECONDS", "300")),
        # Help On Demand: below this share of referrals accepted within 15 minutes, the training is due again.
        "HOD_ACCEPTANCE_THRESHOLD": float(os.environ.get("LMS_HOD_THRESHOLD", "0.5")),
        # Reminders go this many days before Open Enrollment starts (`lms remind`, from cron).
        "REMINDER_DAYS": [int(day) for day in _list("LMS_REMINDER_DAYS", ["30", "14", "7", "1"])],
    }
    if os.environ.get("SERVER_NAME"):
        settings["SERVER_NAME"] = os.environ["SERVER_NAME"]
    return settings
