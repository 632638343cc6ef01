"""陳情 cases: intake, due dates, handling, extensions, replies and their audit trail."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .base import UTCDateTime, utcnow

PUBLIC_SUMMARY_MAX = 500  # characters of the published summary of a reply
REHANDLING_OUTCOME_MAX = 2000  # characters of what was done for a re-handling task


class CaseChannel:
    HOTLINE_1999 = "1999"
    PETITION_SYSTEM = "petition_system"  # 單一陳情系統
    MAYOR_MAILBOX = "mayor_mailbox"  # 市政信箱
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    COUNTER = "counter"  # 臨櫃
    COMMENT_BOX = "comment_box"  # 意見箱
    FACEBOOK = "facebook"
    LINE = "line"
    RATING_FOLLOWUP = "rating_followup"  # a low kiosk or QR rating that left contact details
    OPEN311 = "open311"
    ALL = (
        HOTLINE_1999, PETITION_SYSTEM, MAYOR_MAILBOX, EMAIL, PHONE, LETTER, COUNTER,
        COMMENT_BOX, FACEBOOK, LINE, RATING_FOLLOWUP, OPEN311,
    )


class CaseState:
    RECEIVED = "received"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"
    CLOSED = "closed"
    TRANSFERRED = "transferred"  # 移文 to another agency
    REOPENED = "reopened"
    MERGED = "merged"  # merged as a duplicate of another case
    OPEN = (RECEIVED, ASSIGNED, IN_PROGRESS, REPLIED, REOPENED)
    ALL = (RECEIVED, ASSIGNED, IN_PROGRESS, REPLIED, CLOSED, TRANSFERRED, REOPENED, MERGED)


OPEN_STATES_SQL = "state IN ({})".format(", ".join(f"'{state}'" for state in CaseState.OPEN))
UNASSIGNED_SQL = f"state = '{CaseState.RECEIVED}' AND assignee_id IS NULL"


class CaseOutcome:
    RESOLVED = "resolved"
    EXPLAINED = "explained"
    NOT_OUR_DUTY = "not_our_duty"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"
    ALL = (RESOLVED, EXPLAINED, NOT_OUR_DUTY, DUPLICATE, WITHDRAWN)


class CaseCategory(db.Model):
    __tablename__ = "case_categories"
    __table_args__ = (sa.UniqueConstraint("city_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    city_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cities.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32))
    names: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    group: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    position: so.Mapped[int] = so.mapped_column(default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)


class DueDateRule(db.Model):
    """Working days allowed for a channel and/or category; the most specific rule wins."""

    __tablename__ = "due_date_rules"
    __table_args__ = (sa.UniqueConstraint("city_id", "channel", "category_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    city_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cities.id"), index=True)
    channel: so.Mapped[str | None] = so.mapped_column(sa.String(24))
    category_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("case_categories.id"))
    working_days: so.Mapped[int]
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))


class CaseNumberSequence(db.Model):
    """The last sequence number given out per office and local day, for readable case numbers."""

    __tablename__ = "case_number_sequences"

    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), primary_key=True)
    day: so.Mapped[str] = so.mapped_column(sa.String(8), primary_key=True)
    last: so.Mapped[int] = so.mapped_column(default=0)


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        sa.Index("ix_cases_office_state_due", "office_id", "state", "due_at", "id"),
        sa.Index("ix_cases_office_received", "office_id", "received_at", "id"),
        sa.Index("ix_cases_assignee_state", "assignee_id", "state"),
        sa.Index("ix_cases_unit_state", "unit_id", "state"),
        # Lists: open cases by due date (overdue, due soon) per office and city-wide, newest first city-wide.
        sa.Index("ix_cases_open_office_due", "office_id", "due_at", "id",
                 postgresql_where=sa.text(OPEN_STATES_SQL), sqlite_where=sa.text(OPEN_STATES_SQL)),
        sa.Index("ix_cases_open_due", "due_at", "id",
                 postgresql_where=sa.text(OPEN_STATES_SQL), sqlite_where=sa.text(OPEN_STATES_SQL)),
        sa.Index("ix_cases_received", "received_at", "id"),
        sa.Index("ix_cases_unassigned", "office_id", "received_at", "id",
                 postgresql_where=sa.text(UNASSIGNED_SQL), sqlite_where=sa.text(UNASSIGNED_SQL)),
        # An imported case keeps the other system's number; importing it again must not add it twice.
        sa.Index("uq_cases_office_external_ref", "office_id", "external_ref", unique=True),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)  # 案號
    city_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cities.id"), index=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"))
    unit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id"))
    assignee_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    channel: so.Mapped[str] = so.mapped_column(sa.String(24))
    category_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("case_categories.id"))
    subject: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    external_ref: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default=CaseState.RECEIVED)

    # Due at the end of working day N in Asia/Taipei; due_basis says how it was reached.
    due_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    working_days: so.Mapped[int]
    due_basis: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)

    # 陳情人: personal data, masked where not needed and purged after retention.
    petitioner_name: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    petitioner_phone: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    petitioner_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    petitioner_address: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    confidential: so.Mapped[bool] = so.mapped_column(default=False)  # 陳情人身分保密
    lookup_code_hash: so.Mapped[str | None] = so.mapped_column(sa.String(256))
    # The language the petitioner used (zh_TW, en, vi, id, th); None: the office's. Notices and the look-up speak it.
    petitioner_locale: so.Mapped[str | None] = so.mapped_column(sa.String(8))

    assigned_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    reply: so.Mapped[str | None] = so.mapped_column(sa.Text)  # 函復, sent to the petitioner
    # What the reply came to, written by staff for publication (Open311 status_notes); never the reply itself.
    public_summary: so.Mapped[str | None] = so.mapped_column(sa.String(PUBLIC_SUMMARY_MAX))
    replied_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    outcome: so.Mapped[str | None] = so.mapped_column(sa.String(24))
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    transferred_to: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    transferred_contact: so.Mapped[str | None] = so.mapped_column(sa.String(200))  # the agency's phone, address ...
    merged_into_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cases.id"))
    reply_score: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)  # 意見處理滿意度
    reply_rated_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    purged_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: so.Mapped[int] = so.mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    office = so.relationship("Office")
    unit = so.relationship("Unit")
    assignee = so.relationship("User", foreign_keys=[assignee_id])
    category = so.relationship("CaseCategory")
    events: so.Mapped[list["CaseEvent"]] = so.relationship(back_populates="case", order_by="CaseEvent.id")
    notes: so.Mapped[list["CaseNote"]] = so.relationship(back_populates="case", order_by="CaseNote.id")
    extensions: so.Mapped[list["Extension"]] = so.relationship(back_populates="case", order_by="Extension.id")
    attachments: so.Mapped[list["Attachment"]] = so.relationship(back_populates="case")

    @property
    def is_open(self) -> bool:
        return self.state in CaseState.OPEN


class CaseEvent(db.Model):
    """Append-only audit trail: who did what to a case, and the values before and after."""

    __tablename__ = "case_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    action: so.Mapped[str] = so.mapped_column(sa.String(32))
    before: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    after: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The case's version once this entry's change was made: the entries past the version a form saw are what
    # changed since. None for entries that left the case as it was, and for entries written before it was kept.
    case_version: so.Mapped[int | None] = so.mapped_column()

    case: so.Mapped[Case] = so.relationship(back_populates="events")
    actor = so.relationship("User")


class CaseNote(db.Model):
    """Internal note, for staff only; never sent to the petitioner."""

    __tablename__ = "case_notes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    case: so.Mapped[Case] = so.relationship(back_populates="notes")
    author = so.relationship("User")


class Extension(db.Model):
    """展期: a request for a later due date, decided by a supervisor (or director past the cap)."""

    __tablename__ = "extensions"

    STATES = ("pending", "approved", "rejected")

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    requested_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    requested_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    old_due_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    new_due_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    needs_director: so.Mapped[bool] = so.mapped_column(default=False)
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default="pending", index=True)
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    decision_note: so.Mapped[str | None] = so.mapped_column(sa.Text)

    case: so.Mapped[Case] = so.relationship(back_populates="extensions")


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    size: so.Mapped[int]
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    case: so.Mapped[Case] = so.relationship(back_populates="attachments")


class CaseLink(db.Model):
    """Related cases: duplicates are linked, never deleted."""

    __tablename__ = "case_links"
    __table_args__ = (sa.UniqueConstraint("case_id", "related_case_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    related_case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), default="related")


class ReplyTemplate(db.Model):
    __tablename__ = "reply_templates"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    city_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cities.id"), index=True)
    office_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offices.id"))
    category_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("case_categories.id"))
    title: so.Mapped[str] = so.mapped_column(sa.String(100))
    body: so.Mapped[str] = so.mapped_column(sa.Text)


class RehandlingTask(db.Model):
    """A reply rated 2 or below: the supervisor reviews the case within 3 working days."""

    __tablename__ = "rehandling_tasks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    unit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id"))
    assignee_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    due_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    done_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    outcome: so.Mapped[str | None] = so.mapped_column(sa.Text)

    case = so.relationship("Case")
