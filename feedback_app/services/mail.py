"""Sending mail over SMTP, configured from MAIL_* settings."""

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
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
    # Folded at 78 columns, a long non-ASCII subject is split into encoded words at a space, and the space is
    # lost: decoders ignore the white space between encoded words (RFC 2047), so a Vietnamese, Indonesian or Thai
    # subject would arrive with words run together. Headers are folded only past SMTP's own line limit; the body's
    # transfer encoding was chosen above, at the usual width.
    message.policy = message.policy.clone(max_line_length=998)
    return message


@contextmanager
def connection() -> Iterator[smtplib.SMTP]:
    """One SMTP session for several messages (a delivery batch); MailError when it cannot be opened."""
    config = current_app.config
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"{type(error).__name__}: {error}") from error
    try:
        yield smtp
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def send_message(message: EmailMessage, smtp: smtplib.SMTP | None = None) -> None:
    """Send over `smtp` when given, else over a session of its own."""
    if smtp is None:
        with connection() as own:
            return send_message(message, own)
    try:
        smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"{type(error).__name__}: {error}") from error
