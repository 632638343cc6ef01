"""Delivery of queued email from the ledger over SMTP, each message once.

A run claims a batch of due rows in one transaction: it selects the ids of at most a batch of due rows (SELECT ...
FOR UPDATE SKIP LOCKED on PostgreSQL, so two processes never claim the same row), then sets exactly those rows to
status "sending" with a claim token and a lease (next_attempt_at = now + JOBS_SEND_LEASE_SECONDS), re-checking
that each is still due; on SQLite that re-check makes the claim safe, as SQLite has one writer at a time. (The ids
are selected first because PostgreSQL may run an `IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)` subquery again
for each row it updates, and so claim many times the batch.) Before each send the run renews its lease, guarded by
the claim token: a row another run has taken over since (after this run outlived its lease) is not sent. Each
message is then sent and marked sent in its own transaction, guarded by the claim token.

The crash window: a process killed after the SMTP server accepted a message but before "sent" was committed
leaves the row in "sending". When its lease expires the row is claimed again and sent again, with the same
Message-ID, which is derived from the ledger row (never random): nothing is lost, and the rare repeat is
recognisable as the same message by any mail system that collapses duplicate Message-IDs. The window is one
commit wide; we chose at-least-once with a stable Message-ID over at-most-once, because a lost chase reminder
does more harm than a repeated one.

When SMTP is down or refuses, the row goes back to "queued" with attempts + 1 and next_attempt_at pushed back
exponentially (JOBS_RETRY_BASE_SECONDS doubling up to JOBS_RETRY_MAX_SECONDS), moved into office hours. A message
the server refuses for good (a 5xx answer, e.g. no such user) JOBS_REFUSED_ATTEMPTS times is marked failed; a
staff member still finds it on their landing page.

Once a mail is sent (or given up), a body carrying a secret (the acknowledgement's look-up code) is replaced
in the ledger: it was kept only so that a retry could send it.

A quarterly report row carries no files in the ledger: its .ods and .pdf are built here from its key when it is
sent (see jobs/reports.py), once per report and run. A report that cannot be built is this message's failure:
the row is retried later and the rest of the batch goes on.

Mail goes out in office hours on working days, judged at the moment of sending: a row that comes due outside
them (a retry, a lease run out, an alert or a receipt queued at night, a run started late) is held again, without
counting an attempt, until the next opening time; a batch that runs past closing time holds what it has not sent.

An alert mail is about an alert that someone should look at: if the alert was acknowledged before its mail went
out, the mail has nothing left to ask and is not sent. That is checked here, at sending time, after the row was
claimed, and the row is finished as "obsolete", so no later run claims it again."""

import hashlib
import logging
import smtplib
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import Notification, utcnow
from feedback_app.services import alerts
from feedback_app.services.calendar import next_office_moment
from feedback_app.services.mail import MailError, build_message, connection, send_message
from feedback_app.services.notify import body_after_sending

from . import reports
from .clock import WorkingDays, local_date

log = logging.getLogger(__name__)

# Failures about one message (its address or content); anything else means the server is unreachable.
MESSAGE_LEVEL = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused)


def message_id(row: Notification) -> str:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(row.key.encode()).hexdigest()[:16]
    return f"<cf-{row.id}-{digest}@{domain}>"


def retry_at(now: datetime, attempts: int, days: WorkingDays | None = None) -> datetime:
    """When to try again after `attempts` failures: doubling, capped, inside office hours."""
    config = current_app.config
    base = config.get("JOBS_RETRY_BASE_SECONDS", 60)
    delay = min(base * 2 ** max(attempts - 1, 0), config.get("JOBS_RETRY_MAX_SECONDS", 3600))
    return next_office_moment(now + timedelta(seconds=delay), days)


def claim(now: datetime, limit: int) -> tuple[str, list[Notification]]:
    """Take up to `limit` due email rows for this process; returns the claim token and the rows."""
    token = uuid.uuid4().hex
    lease = timedelta(seconds=current_app.config.get("JOBS_SEND_LEASE_SECONDS", 300))
    due = (
        sa.select(Notification.id)
        .where(
            Notification.channel == "email",
            Notification.status.in_(("queued", "sending")),
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(due))
    if ids:
        db.session.execute(
            sa.update(Notification)
            .where(
                Notification.id.in_(ids),
                Notification.status.in_(("queued", "sending")),
                Notification.next_attempt_at <= now,
            )
            .values(status="sending", claim_token=token, next_attempt_at=now + lease)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    rows = db.session.scalars(
        sa.select(Notification).where(Notification.claim_token == token).order_by(Notification.id)
    ).all()
    return token, list(rows)


def renew_claim(token: str, row_id: int, lease_until: datetime) -> bool:
    """Re-check that the row is still this run's and extend its lease; False when another run has taken it over."""
    renewed = db.session.execute(
        sa.update(Notification)
        .where(Notification.id == row_id, Notification.claim_token == token, Notification.status == "sending")
        .values(next_attempt_at=lease_until)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return renewed == 1


def _finish(row_id: int, token: str, **values) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id == row_id, Notification.claim_token == token)
        .values(claim_token=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


class AttachmentError(MailError):
    """The files a message carries could not be built; a fault of this message, not of the SMTP server."""


def _send(row: Notification, smtp, files: dict) -> None:
    message = build_message(row.recipient, row.subject, row.body)
    if row.kind == reports.KIND:
        try:
            parts = reports.attachments(row.key, files)
        except Exception as error:
            db.session.rollback()
            raise AttachmentError(f"{type(error).__name__}: {error}") from error
        for data, maintype, subtype, filename in parts:
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    del message["Message-ID"]
    message["Message-ID"] = message_id(row)
    send_message(message, smtp)


def _obsolete(row: Notification) -> bool:
    """A message whose reason went away before it was sent: an alert acknowledged meanwhile."""
    return row.kind == alerts.KIND and alerts.acknowledged_already(row.key)


def release_inapp(now: datetime) -> int:
    """In-app messages are shown from their time on; mark those that have reached it as delivered."""
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.channel == "inapp",
            Notification.status == "queued",
            Notification.next_attempt_at <= now,
        )
        .values(status="sent", sent_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def _opening(moment: datetime, days: WorkingDays) -> datetime:
    """When mail may go out at `moment`: itself in office hours on a working day, else the next opening."""
    if not current_app.config.get("JOBS_MAIL_IN_OFFICE_HOURS", True):
        return moment
    return next_office_moment(moment, days)


def hold(now: datetime, until: datetime) -> int:
    """Outside office hours: every email due by `now` waits for `until` (the next opening time), as queued,
    without an attempt counted; a row left "sending" by a process whose lease ran out is taken back too."""
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.channel == "email",
            Notification.status.in_(("queued", "sending")),
            Notification.next_attempt_at <= now,
        )
        .values(status="queued", claim_token=None, next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def deliver(now: datetime, batch: int = 20) -> dict:
    """Send every email that is due, batch by batch, while the office is open; stop early when the SMTP server
    is unreachable or office hours end."""
    sent = failed = 0
    days = WorkingDays.covering(local_date(now))
    inapp = release_inapp(now)
    opening = _opening(now, days)
    if opening > now:
        return {"sent": 0, "failed": 0, "inapp": inapp, "held": hold(now, opening)}
    files: dict = {}  # attachments built in this run, shared by the messages that carry the same report
    while True:
        token, rows = claim(now, batch)
        if not rows:
            break
        batch_sent, batch_failed, outcome = _send_batch(now, token, rows, days, files)
        sent, failed = sent + batch_sent, failed + batch_failed
        if outcome == "unreachable":
            return {"sent": sent, "failed": failed, "inapp": inapp, "smtp": "unreachable"}
        if outcome == "closed":
            return {"sent": sent, "failed": failed, "inapp": inapp, "held": "office closed"}
    return {"sent": sent, "failed": failed, "inapp": inapp}


def _send_batch(
    now: datetime, token: str, rows: list[Notification], days: WorkingDays, files: dict
) -> tuple[int, int, str]:
    """Send claimed rows over one SMTP session; (sent, failed, "done" | "unreachable" | "closed")."""
    sent = failed = 0
    pending = [(row.id, row.attempts, row) for row in rows]
    lease = timedelta(seconds=current_app.config.get("JOBS_SEND_LEASE_SECONDS", 300))
    started = utcnow()  # the run's clock is `now` moved on by the time this batch has taken
    try:
        with connection() as smtp:
            for index, (row_id, attempts, row) in enumerate(pending):
                moment = now + (utcnow() - started)
                opening = _opening(moment, days)
                if opening > moment:  # office hours ended while this batch was sent: the rest waits
                    for rest_id, _attempts, _row in pending[index:]:
                        _finish(rest_id, token, status="queued", next_attempt_at=opening)
                    return sent, failed, "closed"
                if not renew_claim(token, row_id, now + (utcnow() - started) + lease):
                    log.warning("notification %s was claimed by another run meanwhile; not sent by this one", row_id)
                    continue
                if _obsolete(row):
                    _finish(row_id, token, status="obsolete", last_error=None)
                    continue
                try:
                    _send(row, smtp, files)
                except MailError as error:
                    failed += 1
                    if _refused_for_good(error) and attempts + 1 >= current_app.config["JOBS_REFUSED_ATTEMPTS"]:
                        _give_up(token, row_id, attempts, error)
                        continue
                    _retry_later(now, token, row_id, attempts, error, days)
                    if not isinstance(error, AttachmentError) and not isinstance(error.__cause__, MESSAGE_LEVEL):
                        _release(now, token, pending[index + 1 :], days)
                        return sent, failed, "unreachable"
                    continue
                _finish(row_id, token, status="sent", sent_at=utcnow(), last_error=None, body=body_after_sending())
                sent += 1
    except MailError as error:  # the session could not be opened
        row_id, attempts, _ = pending[0]
        _retry_later(now, token, row_id, attempts, error, days)
        _release(now, token, pending[1:], days)
        return sent, failed + 1, "unreachable"
    return sent, failed, "done"


def _retry_later(now, token, row_id, attempts, error: MailError, days) -> None:
    _finish(
        row_id,
        token,
        status="queued",
        attempts=attempts + 1,
        next_attempt_at=retry_at(now, attempts + 1, days),
        last_error=str(error)[:500],
    )
    log.warning(
        "mail of notification %s failed (attempt %s): %s",
        row_id,
        attempts + 1,
        type(error.__cause__).__name__,
    )


def _refused_for_good(error: MailError) -> bool:
    """The server answered this message with a permanent (5xx) refusal, as for an address that does not exist."""
    cause = error.__cause__
    if isinstance(cause, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in cause.recipients.values())
    return isinstance(cause, smtplib.SMTPResponseException) and cause.smtp_code >= 500


def _give_up(token: str, row_id: int, attempts: int, error: MailError) -> None:
    """A message refused for good is marked failed, not retried for ever; a staff member's reminder stays on their
    landing page, which lists their messages whatever became of the mail."""
    _finish(row_id, token, status="failed", attempts=attempts + 1, last_error=str(error)[:500],
            body=body_after_sending())
    log.warning("mail of notification %s refused for good after %s attempts", row_id, attempts + 1)


def _release(now, token, pending, days) -> None:
    """Rows of a batch that were not tried wait with the failed one, without counting an attempt."""
    for row_id, attempts, _ in pending:
        _finish(row_id, token, status="queued", next_attempt_at=retry_at(now, attempts + 1, days))
