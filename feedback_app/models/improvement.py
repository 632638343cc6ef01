"""檢討改進: the register of improvement actions an office takes on what citizens were unhappy with."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .base import UTCDateTime, utcnow

IMPROVEMENT_TEXT_MAX = 2000  # characters of a problem, a measure or a reason for dropping


class ImprovementState:
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"
    ALL = (PLANNED, IN_PROGRESS, DONE, DROPPED)
    OPEN = (PLANNED, IN_PROGRESS)


class ImprovementTarget:
    """What an action's problem is linked to: a dissatisfaction reason (by its option code), a case category,
    a counter or a phone test (by id)."""

    REASON = "reason"
    CATEGORY = "category"
    COUNTER = "counter"
    PHONE_TEST = "phone_test"
    ALL = (REASON, CATEGORY, COUNTER, PHONE_TEST)


class ImprovementAction(db.Model):
    __tablename__ = "improvement_actions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    problem: so.Mapped[str] = so.mapped_column(sa.Text)
    target_kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    # The reason's option code, or the id of the category, counter or phone test, as text.
    target_ref: so.Mapped[str] = so.mapped_column(sa.String(64))
    measure: so.Mapped[str] = so.mapped_column(sa.Text)
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    due_date: so.Mapped[date] = so.mapped_column(sa.Date)
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default=ImprovementState.PLANNED)
    dropped_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    done_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    office = so.relationship("Office")
    owner = so.relationship("User", foreign_keys=[owner_id])
