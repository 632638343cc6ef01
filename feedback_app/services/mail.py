"""Sending mail over SMTP, configured from MAIL_* settings."""

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app


class MailError(Exception):
    """The SMTP server could not be reached or refused the message; the caller keeps it queued."""


def build_message(to: str | list[str], subject: str, body: str, html: str | None = None) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = ", ".join(to) if isinstance(to, list) else to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or None)
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def send_message(message: EmailMessage) -> None:
    config = current_app.config
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"{type(error).__name__}: {error}") from error


def send_mail(to: str | list[str], subject: str, body: str, html: str | None = None) -> str:
    """Send one message now; returns its Message-ID. Raises MailError when SMTP fails."""
    message = build_message(to, subject, body, html)
    send_message(message)
    return message["Message-ID"]
