"""Scheduled work: per-office chase settings, the scheduler lease and the record of each job run."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .base import UTCDateTime, utcnow


class ChaseSettings(db.Model):
    """The 稽催 ladder of one office, in working days; an admin edits it, the defaults are seeded."""

    __tablename__ = "chase_settings"

    DEFAULTS = {
        "before_due_days": 2,  # the officer, this many working days before the due date
        "supervisor_after_days": 0,  # the supervisor, from this many working days late (0: the due date)
        "escalate_after_days": 3,  # 研考 (the monitors), from this many working days late
        "director_after_days": 5,  # the director, later than the monitors
        "unassigned_days": 1,
        "extension_pending_days": 1,
        "rehandling_escalate_after_days": 3,
        "close_after_reply_days": 5,  # replied but not closed: the officer is nudged once
    }

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), unique=True)
    before_due_days: so.Mapped[int] = so.mapped_column(default=DEFAULTS["before_due_days"])
    supervisor_after_days: so.Mapped[int] = so.mapped_column(
        default=DEFAULTS["supervisor_after_days"], server_default="0"
    )
    escalate_after_days: so.Mapped[int] = so.mapped_column(default=DEFAULTS["escalate_after_days"])
    director_after_days: so.Mapped[int] = so.mapped_column(
        default=DEFAULTS["director_after_days"], server_default="5"
    )
    close_after_reply_days: so.Mapped[int] = so.mapped_column(
        default=DEFAULTS["close_after_reply_days"], server_default="5"
    )
    unassigned_days: so.Mapped[int] = so.mapped_column(default=DEFAULTS["unassigned_days"])
    extension_pending_days: so.Mapped[int] = so.mapped_column(default=DEFAULTS["extension_pending_days"])
    rehandling_escalate_after_days: so.Mapped[int] = so.mapped_column(
        default=DEFAULTS["rehandling_escalate_after_days"]
    )
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    office = so.relationship("Office")


class JobLease(db.Model):
    """Who holds a named lease (the one active scheduler) and until when; an expired lease may be taken."""

    __tablename__ = "job_leases"

    name: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    holder: so.Mapped[str] = so.mapped_column(sa.String(128))
    acquired_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)


class JobRun(db.Model):
    """One run of a job for one scheduled slot: a slot is run once, however many ticks were missed."""

    __tablename__ = "job_runs"
    __table_args__ = (sa.UniqueConstraint("job", "slot"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    job: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    slot: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    trigger: so.Mapped[str] = so.mapped_column(
        sa.String(16), default="schedule"
    )  # schedule, catch-up, manual
    holder: so.Mapped[str | None] = so.mapped_column(sa.String(128))
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="running")  # running, done, failed
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    summary: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
