"""Services (業務別) and what each counter asks: a questionnaire per service, assigned to counters, and an
office's kiosk settings."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .base import UTCDateTime, utcnow


class Service(db.Model):
    """A line of business at the counter (戶籍登記, 役政 ...); a questionnaire may be made for one."""

    __tablename__ = "services"
    __table_args__ = (sa.UniqueConstraint("city_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    city_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cities.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32))
    # {"zh_TW": "戶籍登記", "en": "Household registration", ...}
    names: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class CounterQuestionnaire(db.Model):
    """The questionnaires one counter asks: on its kiosk and on its QR poster; none set = the city's shipped one."""

    __tablename__ = "counter_questionnaires"

    counter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("counters.id"), primary_key=True)
    kiosk_questionnaire_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("questionnaires.id"))
    qr_questionnaire_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("questionnaires.id"))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    kiosk_questionnaire = so.relationship("Questionnaire", foreign_keys=[kiosk_questionnaire_id])
    qr_questionnaire = so.relationship("Questionnaire", foreign_keys=[qr_questionnaire_id])


class OfficeKioskSettings(db.Model):
    """What an office's kiosks ask beyond the questionnaire; no row = the defaults (nothing more)."""

    __tablename__ = "office_kiosk_settings"

    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), primary_key=True)
    # The optional, skippable sex and age-group step after the tap (性別主流化).
    ask_sex_age: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
