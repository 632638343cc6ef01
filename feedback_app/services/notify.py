"""Queueing notifications into the ledger; delivery happens in the jobs process."""

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models.notify import Notification


def _insert_ignoring_duplicates():
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Notification)


def queue(*, key: str, channel: str, kind: str, subject: str, body: str, recipient: str | None = None,
          user_id: int | None = None, office_id: int | None = None, case_id: int | None = None,
          link: str | None = None, not_before: datetime | None = None) -> bool:
    """Put one message in the ledger unless its key is there already; True if it was new.

    Runs in the caller's transaction, so a message is queued exactly when the change that causes it commits."""
    if channel not in Notification.CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if channel == "email" and not recipient:
        raise ValueError("an email needs a recipient address")
    values = {"key": key, "channel": channel, "kind": kind, "subject": subject[:255], "body": body,
              "recipient": recipient, "user_id": user_id, "office_id": office_id, "case_id": case_id,
              "link": link, "status": "queued", "attempts": 0}
    if not_before is not None:
        values["next_attempt_at"] = not_before
    stmt = _insert_ignoring_duplicates().values(**values).on_conflict_do_nothing(index_elements=["key"])
    result = db.session.execute(stmt.returning(Notification.id))
    return result.scalar() is not None


def pending_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Notification.status == "queued")) or 0
