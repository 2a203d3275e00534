"""Email to account holders: links they asked for, and news about their account they should know.

Links are made when the email is sent, from LMS_PUBLIC_URL (never from a request's Host header),
and their tokens are signed then: no link is ever stored in the database or written to the log.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lms.config import public_url
from lms.db import Database
from lms.models import User
from lms.outbox import Delivery, Handler
from lms.services import tokens
from lms.services.mail import Mailer, MailSettings

SITE = "Marketplace Agent Training"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


@dataclass(frozen=True)
class Context:
    user: User
    site: str  # the public URL, without a trailing slash
    secret_key: str
    payload: dict[str, Any]


def _confirm(context: Context) -> Message | None:
    if context.user.email_confirmed_at is not None:
        return None  # created confirmed (by an administrator), or confirmed since
    link = f"{context.site}/account/confirm/{tokens.confirmation_token(context.user, context.secret_key)}"
    return Message(f"Confirm your email address for {SITE}",
                   f"Welcome to {SITE}.\n\nConfirm that this address is yours, within three days, to finish "
                   f"creating your account:\n\n{link}\n\nIf you did not sign up, ignore this message; no account is "
                   "used without confirmation.\n")


def _sign_up_repeated(context: Context) -> Message:
    return Message(f"Someone tried to create a {SITE} account with your address",
                   f"Someone (perhaps you) tried to create a {SITE} account with this email address, which already "
                   f"has one.\n\nTo use it, sign in at\n{context.site}/account/sign-in\n\nIf you have forgotten the "
                   f"password, reset it at\n{context.site}/account/reset\n\nIf it was not you, no change was made; "
                   "you can ignore this message.\n")


def _reset(context: Context) -> Message:
    link = f"{context.site}/account/reset/{tokens.reset_token(context.user, context.secret_key)}"
    return Message(f"Reset your {SITE} password",
                   f"Someone (we hope you) asked to reset the password of your {SITE} account.\n\n"
                   f"Choose a new password here within the next hour:\n\n{link}\n\n"
                   "If you did not ask for this, ignore this message; your password stays the same.\n")


def _password_changed(context: Context) -> Message:
    return Message(f"Your {SITE} password was changed",
                   f"The password of your {SITE} account was just changed, and every other device signed in to "
                   "the account was signed out.\n\nIf you did this, there is nothing more to do. If you did not, "
                   f"reset your password now at\n{context.site}/account/reset\nand tell your administrator.\n")


def _password_reset(context: Context) -> Message:
    return Message(f"Your {SITE} password was reset",
                   f"The password of your {SITE} account was just set with a reset link.\n\nIf you did not do "
                   f"this, reset your password again at\n{context.site}/account/reset\nand tell your "
                   "administrator.\n")


def _registration_completed(context: Context) -> Message:
    code, title = context.payload.get("certificate", ""), context.payload.get("title", "Marketplace")
    return Message(f"Your {title} registration is complete",
                   f"Your {title} registration for {context.payload.get('program', 'this plan year')} is complete. "
                   "You are on the public Registration Completion List.\n\n"
                   f"View and print your Registration Completion Certificate:\n{context.site}/certificates/{code}\n\n"
                   f"Anyone can check it at:\n{context.site}/verify/{code}\n")


def _reminder(context: Context) -> Message:
    steps = "".join(f"  - {step}\n" for step in context.payload.get("steps", []))
    return Message("Finish your Marketplace registration before Open Enrollment",
                   f"Open Enrollment starts on {context.payload.get('open_enrollment', 'November 1')}. Your "
                   f"Marketplace registration is not complete yet; what is left:\n\n{steps}\n"
                   f"See where you stand in your Registration Tracker:\n{context.site}/tracker\n")


MESSAGES: dict[str, Callable[[Context], Message | None]] = {
    "registration.reminder": _reminder,
    "registration.completed": _registration_completed,
    "account.created": _confirm,
    "account.confirmation_requested": _confirm,
    "account.sign_up_repeated": _sign_up_repeated,
    "password.reset_requested": _reset,
    "password.changed": _password_changed,
    "password.reset": _password_reset,
}


def mailer_from(settings: Mapping[str, Any]) -> Mailer:
    return Mailer(MailSettings(
        sender=settings.get("MAIL_FROM", f"{SITE} <no-reply@localhost>"),
        outbox=Path(settings["INSTANCE_PATH"]) / "outbox",
        smtp_host=settings.get("SMTP_HOST"),
        smtp_port=int(settings.get("SMTP_PORT", 587)),
        smtp_username=settings.get("SMTP_USERNAME"),
        smtp_password=settings.get("SMTP_PASSWORD"),
        smtp_starttls=settings.get("SMTP_STARTTLS", True),
    ))


def handler(settings: Mapping[str, Any], database: Database) -> Handler:
    mailer, site, secret_key = mailer_from(settings), public_url(settings), settings["SECRET_KEY"]

    def deliver(delivery: Delivery) -> None:
        user_id = delivery.payload.get("subject_user_id")
        if not isinstance(user_id, int):
            return  # a reset asked for an address with no account: nobody to write to
        with database.reading() as session:
            user = session.get(User, user_id)
            message = MESSAGES[delivery.name](Context(user, site, secret_key, delivery.payload)) if user else None
            address = user.email if user else None
        if message is not None and address is not None:
            mailer.send(address, message.subject, message.body, message_id=f"outbox-{delivery.delivery_id}")

    return Handler("email", frozenset(MESSAGES), deliver)
