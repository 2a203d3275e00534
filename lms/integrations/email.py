"""Email to account holders when something they should know about happens."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lms.db import Database
from lms.models import User
from lms.outbox import Delivery, Handler
from lms.services.mail import Mailer, MailSettings


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def _password_changed(_payload: dict[str, Any], site: str) -> Message:
    return Message("Your Marketplace Agent Training password was changed",
                   "The password of your Marketplace Agent Training account was just changed, and every other "
                   "device signed in to the account was signed out.\n\n"
                   "If you did this, there is nothing more to do. If you did not, reset your password now at\n"
                   f"{site}/account/reset\nand tell your administrator.\n")


def _password_reset(_payload: dict[str, Any], site: str) -> Message:
    return Message("Your Marketplace Agent Training password was reset",
                   "The password of your Marketplace Agent Training account was just set with a reset link.\n\n"
                   "If you did not do this, reset your password again at\n"
                   f"{site}/account/reset\nand tell your administrator.\n")


MESSAGES: dict[str, Callable[[dict[str, Any], str], Message]] = {
    "password.changed": _password_changed,
    "password.reset": _password_reset,
}


def mailer_from(settings: Mapping[str, Any]) -> Mailer:
    return Mailer(MailSettings(
        sender=settings.get("MAIL_FROM", "Marketplace Agent Training <no-reply@localhost>"),
        outbox=Path(settings["INSTANCE_PATH"]) / "outbox",
        smtp_host=settings.get("SMTP_HOST"),
        smtp_port=int(settings.get("SMTP_PORT", 587)),
        smtp_username=settings.get("SMTP_USERNAME"),
        smtp_password=settings.get("SMTP_PASSWORD"),
        smtp_starttls=settings.get("SMTP_STARTTLS", True),
    ))


def handler(settings: Mapping[str, Any], database: Database) -> Handler:
    mailer, site = mailer_from(settings), settings["PUBLIC_URL"].rstrip("/")

    def deliver(delivery: Delivery) -> None:
        with database.reading() as session:
            user = session.get(User, delivery.payload.get("subject_user_id"))
            address = user.email if user else None
        if address is None:
            return  # the account is gone; nobody to tell
        message = MESSAGES[delivery.name](delivery.payload, site)
        mailer.send(address, message.subject, message.body, message_id=f"outbox-{delivery.delivery_id}")

    return Handler("email", frozenset(MESSAGES), deliver)
