"""電話禮貌測試: phone courtesy tests, the quarter's plan of them, and the follow-up a failed call opens."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .base import UTCDateTime, utcnow

PHONE_NOTE_MAX = 2000  # characters of a test's note and of a follow-up's outcome


class PhoneTestPlan(db.Model):
    """How many test calls a unit is to get in a quarter."""

    __tablename__ = "phone_test_plans"
    __table_args__ = (sa.UniqueConstraint("unit_id", "year", "quarter"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id"))
    year: so.Mapped[int]
    quarter: so.Mapped[int]
    planned: so.Mapped[int]

    unit = so.relationship("Unit")


class PhoneTest(db.Model):
    """One test call to a unit, scored item by item: "pass", "fail", or "na" where the item did not arise."""

    __tablename__ = "phone_tests"
    __table_args__ = (sa.Index("ix_phone_tests_office_called", "office_id", "called_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"))
    unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id"), index=True)
    called_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    extension: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    tester: so.Mapped[str] = so.mapped_column(sa.String(64))
    # {"three_rings": "pass", "greeting": "fail", "attitude": "pass", ...}
    scores: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    passed: so.Mapped[bool]
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    needs_followup: so.Mapped[bool] = so.mapped_column(default=False)
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    office = so.relationship("Office")
    unit = so.relationship("Unit")
    recorded_by = so.relationship("User")
    followup: so.Mapped["PhoneFollowup | None"] = so.relationship(back_populates="test", uselist=False)


class PhoneFollowup(db.Model):
    """What the unit's supervisor does about a test that needs it, due in working days and chased."""

    __tablename__ = "phone_followups"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    test_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("phone_tests.id"), unique=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id"))
    assignee_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    due_date: so.Mapped[date] = so.mapped_column(sa.Date)
    due_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    done_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    outcome: so.Mapped[str | None] = so.mapped_column(sa.Text)

    test: so.Mapped[PhoneTest] = so.relationship(back_populates="followup")
    assignee = so.relationship("User")
