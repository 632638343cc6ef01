"""The staff (內部顧客) satisfaction survey: rounds, the one-time invitations and the anonymous answers.

An invitation knows whom it was sent to and whether it was used, never when nor which answer it gave; an answer
knows its round, office and unit, never the person nor the invitation. Answers have random ids, so not even the
order in which rows were written ties an answer to a person."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .base import UTCDateTime, utcnow


class StaffSurveyRound(db.Model):
    """One round of the survey for an office, or for every office of a city when office_id is None."""

    __tablename__ = "staff_survey_rounds"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    city_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cities.id"), index=True)
    office_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    questionnaire_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("questionnaire_versions.id"))
    title: so.Mapped[str] = so.mapped_column(sa.String(100))
    starts_on: so.Mapped[date] = so.mapped_column(sa.Date)
    ends_on: so.Mapped[date] = so.mapped_column(sa.Date)
    # The day (Asia/Taipei) from which the one reminder goes to those who have not answered.
    remind_on: so.Mapped[date] = so.mapped_column(sa.Date)
    opened_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    closed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    city = so.relationship("City")
    office = so.relationship("Office")
    version = so.relationship("QuestionnaireVersion")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class StaffSurveyInvitation(db.Model):
    """A staff member's one-time link to a round; only the hash of its token is kept."""

    __tablename__ = "staff_survey_invitations"
    __table_args__ = (sa.UniqueConstraint("round_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("staff_survey_rounds.id"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # Whether it was used; deliberately not when, which would tie it to the answer written at that moment.
    used: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())


def _random_id() -> str:
    return uuid.uuid4().hex


class StaffSurveyResponse(db.Model):
    """One staff member's answers to a round, without the person: only office and unit."""

    __tablename__ = "staff_survey_responses"

    id: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True, default=_random_id)
    round_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("staff_survey_rounds.id"), index=True)
    # None for city-wide staff, who belong to no office.
    office_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    unit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id"))
    # The overall question's score 1–5, copied out for counting; every scale question's score in `scores`.
    score: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    scores: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
