"""The official office calendar (政府行政機關辦公日曆表) as imported, with its history."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .base import UTCDateTime, utcnow


class CalendarImport(db.Model):
    """One imported calendar file; its id is the calendar version a due date names."""

    __tablename__ = "calendar_imports"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    year: so.Mapped[int] = so.mapped_column(index=True)
    source_name: so.Mapped[str] = so.mapped_column(sa.String(255))
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    days: so.Mapped[int]
    imported_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    imported_by: so.Mapped[str | None] = so.mapped_column(sa.String(64))


class CalendarDay(db.Model):
    """A day as the newest imported calendar of its year says: off (holiday, weekend) or working."""

    __tablename__ = "calendar_days"

    day: so.Mapped[date] = so.mapped_column(sa.Date, primary_key=True)
    is_off: so.Mapped[bool]
    note: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    import_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("calendar_imports.id"), index=True)
