"""Roll-ups of ratings for the analytics pages: counts per Taipei-local month, weekday and hour.

Every count here is a sum over ratings whose `rolled_up` flag is set; readers add the ratings not yet
folded in, so figures always equal a direct count over the raw ratings. Unit and counter 0 stand for "none".
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .survey import Rating

# The few ratings not yet folded into the roll-ups, found (and claimed in id order) without touching
# the millions that are: the index holds only unfolded rows, so reads scan it whole and filter office and time.
sa.Index(
    "ix_ratings_unfolded",
    Rating.id,
    postgresql_where=Rating.rolled_up == sa.false(),
    sqlite_where=Rating.rolled_up == sa.false(),
)


class CountsByScore:
    """A count per score, and the answers of noise ratings kept out of them."""

    n1: so.Mapped[int] = so.mapped_column(default=0)
    n2: so.Mapped[int] = so.mapped_column(default=0)
    n3: so.Mapped[int] = so.mapped_column(default=0)
    n4: so.Mapped[int] = so.mapped_column(default=0)
    n5: so.Mapped[int] = so.mapped_column(default=0)
    noise: so.Mapped[int] = so.mapped_column(default=0)


class ScoreRollup(CountsByScore, db.Model):
    """Answers to one scale question per local month × weekday × hour × counter × channel: a count
    per score."""

    __tablename__ = "score_rollups"
    __table_args__ = (
        sa.UniqueConstraint(
            "office_id",
            "ym",
            "unit_id",
            "counter_id",
            "channel",
            "question_id",
            "weekday",
            "hour",
            name="uq_score_rollups_key",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ym: so.Mapped[int]  # local year * 100 + month, e.g. 202503
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"))
    unit_id: so.Mapped[int] = so.mapped_column(default=0)
    counter_id: so.Mapped[int] = so.mapped_column(default=0)
    channel: so.Mapped[str] = so.mapped_column(sa.String(16))
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("questions.id"))
    weekday: so.Mapped[int] = so.mapped_column(sa.SmallInteger)  # 0 = Monday
    hour: so.Mapped[int] = so.mapped_column(sa.SmallInteger)


class HourRollup(CountsByScore, db.Model):
    """The hourly counts per office rather than per counter: what an office's or the city's heat map reads,
    several times fewer rows than ScoreRollup once every counter is busy every hour."""

    __tablename__ = "hour_rollups"
    __table_args__ = (
        sa.UniqueConstraint(
            "office_id", "ym", "channel", "question_id", "weekday", "hour", name="uq_hour_rollups_key"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ym: so.Mapped[int]
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"))
    channel: so.Mapped[str] = so.mapped_column(sa.String(16))
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("questions.id"))
    weekday: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    hour: so.Mapped[int] = so.mapped_column(sa.SmallInteger)


class MonthRollup(CountsByScore, db.Model):
    """The same counts per local month × counter × channel × question: what trends and comparisons read."""

    __tablename__ = "month_rollups"
    __table_args__ = (
        sa.UniqueConstraint(
            "office_id", "ym", "unit_id", "counter_id", "channel", "question_id", name="uq_month_rollups_key"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ym: so.Mapped[int]
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"))
    unit_id: so.Mapped[int] = so.mapped_column(default=0)
    counter_id: so.Mapped[int] = so.mapped_column(default=0)
    channel: so.Mapped[str] = so.mapped_column(sa.String(16))
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("questions.id"))


class ReasonRollup(db.Model):
    """Dissatisfaction reasons (不滿意原因) chosen per local month × counter × channel."""

    __tablename__ = "reason_rollups"
    __table_args__ = (
        sa.UniqueConstraint(
            "office_id", "ym", "unit_id", "counter_id", "channel", "reason", name="uq_reason_rollups_key"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ym: so.Mapped[int]
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"))
    unit_id: so.Mapped[int] = so.mapped_column(default=0)
    counter_id: so.Mapped[int] = so.mapped_column(default=0)
    channel: so.Mapped[str] = so.mapped_column(sa.String(16))
    reason: so.Mapped[str] = so.mapped_column(sa.String(32))
    n: so.Mapped[int] = so.mapped_column(default=0)
    noise: so.Mapped[int] = so.mapped_column(default=0)


class DemographicRollup(CountsByScore, db.Model):
    """Overall scores per local month × counter × channel × sex × age group (性別主流化); '' = not answered."""

    __tablename__ = "demographic_rollups"
    __table_args__ = (
        sa.UniqueConstraint(
            "office_id",
            "ym",
            "unit_id",
            "counter_id",
            "channel",
            "sex",
            "age_group",
            name="uq_demographic_rollups_key",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ym: so.Mapped[int]
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"))
    unit_id: so.Mapped[int] = so.mapped_column(default=0)
    counter_id: so.Mapped[int] = so.mapped_column(default=0)
    channel: so.Mapped[str] = so.mapped_column(sa.String(16))
    sex: so.Mapped[str] = so.mapped_column(sa.String(8), default="")
    age_group: so.Mapped[str] = so.mapped_column(sa.String(16), default="")
