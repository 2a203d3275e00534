"""Outgoing email: SMTP when configured, otherwise .eml files in instance/outbox/."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    sender: str
    outbox: Path
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True


class Mailer:
    def __init__(self, settings: MailSettings):
        self.settings = settings

    def send(self, to: str, subject: str, body: str, message_id: str | None = None) -> Path | None:
        """Send the message; returns the .eml file's path when it went to the outbox.

        A `message_id` derived from what caused the message lets mail systems drop a repeat.
        """
        message = EmailMessage()
        if message_id:
            domain = self.settings.sender.rsplit("@", 1)[-1].strip("> ") or "localhost"
            message["Message-ID"] = f"<{message_id}@{domain}>"
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        # 8bit keeps links whole in the .eml file instead of quoted-printable line breaks.
        message.set_content(body, cte="8bit")
        if self.settings.smtp_host:
            with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=30) as smtp:
                if self.settings.smtp_starttls:
                    smtp.starttls()
                if self.settings.smtp_username:
                    smtp.login(self.settings.smtp_username, self.settings.smtp_password or "")
                smtp.send_message(message)
            return None
        self.settings.outbox.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        path = self.settings.outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
        path.write_bytes(bytes(message))
        log.info("email to %s written to %s", to, path)
        return path
