"""The notification ledger: every message (mail or in-app) once, under a unique key."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .base import UTCDateTime, utcnow


class Notification(db.Model):
    """One message to one recipient. The key (case, rule, stage, recipient, due-date version ...) is unique,
    so whoever queues the same message twice queues it once."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_pending", "status", "next_attempt_at"),)

    CHANNELS = ("email", "inapp")
    # "skipped": written in the ledger but never to be sent (e.g. the demo's notices from before it existed);
    # "obsolete": no longer worth sending (an alert acknowledged before its mail went out).
    STATES = ("queued", "sending", "sent", "failed", "skipped", "obsolete")

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(255), unique=True)
    channel: so.Mapped[str] = so.mapped_column(sa.String(8))
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))  # acknowledgement, reminder, escalation, alert ...
    office_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    case_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    recipient: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(255))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    link: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    status: so.Mapped[str] = so.mapped_column(sa.String(8), default="queued")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    # Set by the delivery job that claimed the row (status "sending"); next_attempt_at is then its lease.
    claim_token: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    read_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
