"""The app's Mailer, configured from settings."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from lms.services.mail import Mailer, MailSettings


def mailer() -> Mailer:
    config = current_app.config
    return Mailer(MailSettings(
        sender=config.get("MAIL_FROM", "Marketplace Agent Training <no-reply@localhost>"),
        outbox=Path(current_app.instance_path) / "outbox",
        smtp_host=config.get("SMTP_HOST"),
        smtp_port=int(config.get("SMTP_PORT", 587)),
        smtp_username=config.get("SMTP_USERNAME"),
        smtp_password=config.get("SMTP_PASSWORD"),
        smtp_starttls=config.get("SMTP_STARTTLS", True),
    ))
