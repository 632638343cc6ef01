"""Questionnaires, kiosks, QR tokens, ratings and their answers, and real-time alerts."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .base import UTCDateTime, utcnow


class Channel:
    """Where a rating came from; results of different channels are kept apart."""

    KIOSK = "kiosk"
    COUNTER_QR = "counter_qr"
    ONETIME_QR = "onetime_qr"
    LINK = "link"
    REPLY = "reply"  # a petitioner rating the reply to their case
    STAFF = "staff"  # 內部顧客滿意度
    ALL = (KIOSK, COUNTER_QR, ONETIME_QR, LINK, REPLY, STAFF)


class Questionnaire(db.Model):
    __tablename__ = "questionnaires"
    __table_args__ = (sa.UniqueConstraint("city_id", "code"),)

    KINDS = ("counter", "kiosk", "reply", "staff")

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    city_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cities.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    # {"zh_TW": "...", "en": "...", ...}
    names: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    anonymous: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # The service (業務別) this questionnaire was made for; None for the city's shipped ones.
    service_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("services.id"))

    service = so.relationship("Service")
    versions: so.Mapped[list["QuestionnaireVersion"]] = so.relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.version"
    )


class QuestionnaireVersion(db.Model):
    """A frozen set of questions; answers keep the version they were given against."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "version"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    questionnaire_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("questionnaires.id"), index=True)
    version: so.Mapped[int]
    published_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    questionnaire: so.Mapped[Questionnaire] = so.relationship(back_populates="versions")
    questions: so.Mapped[list["Question"]] = so.relationship(
        back_populates="version", order_by="Question.position"
    )


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (sa.UniqueConstraint("version_id", "code"),)

    KINDS = ("scale5", "single", "multi", "text")
    # rating: counts toward satisfaction; reason: 不滿意原因; demographic: sex / age group; comment: free text
    ROLES = ("rating", "reason", "demographic", "comment")

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("questionnaire_versions.id"), index=True)
    position: so.Mapped[int]
    code: so.Mapped[str] = so.mapped_column(sa.String(32))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default="rating")
    required: so.Mapped[bool] = so.mapped_column(default=False)
    texts: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    # [{"code": "wait_long", "texts": {"zh_TW": "等候太久", ...}}, ...]
    options: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)

    version: so.Mapped[QuestionnaireVersion] = so.relationship(back_populates="questions")


class Device(db.Model):
    """A kiosk (滿意度評分機) bound to one counter; it rates with a revocable token."""

    __tablename__ = "devices"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    counter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("counters.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64))
    pairing_code_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    pairing_expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    token_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    paired_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_seen_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    counter = so.relationship("Counter")


class QrToken(db.Model):
    """A one-time survey link for a single transaction: it expires and takes one submission."""

    __tablename__ = "qr_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    counter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("counters.id"), index=True)
    jti: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # The questionnaire chosen for the transaction's service; None = the counter's own.
    questionnaire_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("questionnaires.id"))


class Rating(db.Model):
    """One submission from a citizen (or staff member); stored once per client UUID."""

    __tablename__ = "ratings"
    __table_args__ = (
        sa.Index("ix_ratings_office_tapped", "office_id", "tapped_at"),
        sa.Index("ix_ratings_counter_tapped", "counter_id", "tapped_at"),
        sa.Index("ix_ratings_device_tapped", "device_id", "tapped_at"),
        # Only the few flagged ratings are indexed: the review lists them, every other insert skips it.
        sa.Index(
            "ix_ratings_tap_time_flag",
            "tap_time_flag",
            postgresql_where=sa.text("tap_time_flag IS NOT NULL"),
            sqlite_where=sa.text("tap_time_flag IS NOT NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    uuid: so.Mapped[str] = so.mapped_column(sa.String(36), unique=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"))
    unit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id"))
    counter_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("counters.id"))
    device_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("devices.id"))
    qr_token_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("qr_tokens.id"))
    questionnaire_version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("questionnaire_versions.id"), index=True
    )
    channel: so.Mapped[str] = so.mapped_column(sa.String(16))
    # When the citizen tapped (every statistic uses this) and when the server got it.
    tapped_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    # The tap time as the device's own clock said; tapped_at is it corrected by the device's clock offset.
    device_tapped_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Why the tap time is implausible even after correction ("future", "before_pairing"); kept for review.
    tap_time_flag: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # The overall score (整體滿意度) 1–5, copied from its answer for fast counting.
    score: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    # Taps too soon after the previous one on the same device: kept, but out of statistics by default.
    is_noise: so.Mapped[bool] = so.mapped_column(default=False)
    # Hash of the submitted content: the same UUID with other content is a conflict.
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    # Optional demographics for 性別主流化, only when the citizen chose to answer.
    sex: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    age_group: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    # The follow-up case opened from this rating, or the case whose reply is rated.
    case_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cases.id"), index=True)
    # Folded into the analytics roll-ups yet?
    rolled_up: so.Mapped[bool] = so.mapped_column(default=False, index=True)

    answers: so.Mapped[list["Answer"]] = so.relationship(back_populates="rating")


class Answer(db.Model):
    __tablename__ = "answers"

    id: so.Mapped[int] = so.mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    rating_id: so.Mapped[int] = so.mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.ForeignKey("ratings.id"), index=True
    )
    question_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("questions.id"), index=True)
    score: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    choices: so.Mapped[list | None] = so.mapped_column(sa.JSON)
    text: so.Mapped[str | None] = so.mapped_column(sa.Text)

    rating: so.Mapped[Rating] = so.relationship(back_populates="answers")


class Alert(db.Model):
    """A counter whose unhappy share crossed the threshold; kept with its handling for the review."""

    __tablename__ = "alerts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    unit_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("units.id"), index=True)
    counter_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("counters.id"), index=True)
    triggered_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    window_start: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    ratings: so.Mapped[int]
    unhappy: so.Mapped[int]
    acknowledged_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    acknowledged_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    comment: so.Mapped[str | None] = so.mapped_column(sa.Text)

    counter = so.relationship("Counter")


class QuarantinedRating(db.Model):
    """A rating the server refused, kept exactly as it arrived until an admin stores a correction or dismisses it.

    The payload is the rating's JSON as sent (ASCII-escaped, so any text the device sent survives); its contact
    details are personal data, masked on screen and erased after the retention period."""

    __tablename__ = "quarantined_ratings"
    __table_args__ = (sa.Index("ix_quarantined_ratings_office_open", "office_id", "resolved_at"),)

    RESOLUTIONS = ("stored", "dismissed")

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"))
    unit_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id"))
    counter_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("counters.id"))
    device_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("devices.id"))
    qr_token_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("qr_tokens.id"))
    channel: so.Mapped[str] = so.mapped_column(sa.String(16))
    # The rating's UUID as sent (it may be what was wrong with it).
    uuid: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    reason: so.Mapped[str] = so.mapped_column(sa.String(32))
    message: so.Mapped[str] = so.mapped_column(sa.Text)
    details: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    payload: so.Mapped[str] = so.mapped_column(sa.Text)
    # Source and payload hashed: the same rating sent again is kept once.
    payload_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    has_contact: so.Mapped[bool] = so.mapped_column(default=False)
    # The device clock's offset measured on the send that brought it, applied again when it is stored.
    clock_offset_ms: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    resolution: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    resolution_note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    resolved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    resolved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    rating_id: so.Mapped[int | None] = so.mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.ForeignKey("ratings.id")
    )

    counter = so.relationship("Counter")
    device = so.relationship("Device")
    resolved_by = so.relationship("User")
