"""Builders for ratings and cases as the analytics count them."""

import hashlib
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import (
    Answer,
    Case,
    Channel,
    City,
    Counter,
    Office,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Rating,
)


def version(city: City, code: str = "kiosk") -> QuestionnaireVersion:
    return db.session.scalar(
        sa.select(QuestionnaireVersion)
        .join(Questionnaire)
        .where(Questionnaire.city_id == city.id, Questionnaire.code == code)
        .order_by(QuestionnaireVersion.version.desc())
    )


def question(v: QuestionnaireVersion, code: str) -> Question:
    return next(q for q in v.questions if q.code == code)


def make_rating(
    office: Office,
    tapped_at: datetime,
    score: int,
    *,
    channel: str = Channel.KIOSK,
    counter: Counter | None = None,
    noise: bool = False,
    reasons: list[str] | None = None,
    sex: str | None = None,
    age_group: str | None = None,
    questionnaire: str = "kiosk",
) -> Rating:
    """A rating with its overall answer (and reasons when given), as the kiosk would store it."""
    v = version(office.city, questionnaire)
    counter = counter or office.counters[0]
    rating = Rating(
        uuid=str(uuid.uuid4()),
        office_id=office.id,
        unit_id=counter.unit_id,
        counter_id=counter.id,
        questionnaire_version_id=v.id,
        channel=channel,
        tapped_at=tapped_at,
        received_at=tapped_at + timedelta(hours=3),
        score=score,
        is_noise=noise,
        content_hash=hashlib.sha256(str(score).encode()).hexdigest(),
        sex=sex,
        age_group=age_group,
    )
    db.session.add(rating)
    db.session.flush()
    db.session.add(Answer(rating_id=rating.id, question_id=question(v, "overall").id, score=score))
    if reasons:
        db.session.add(Answer(rating_id=rating.id, question_id=question(v, "reasons").id, choices=reasons))
    return rating


def make_case(
    office: Office,
    received_at: datetime,
    due_at: datetime,
    *,
    closed_at: datetime | None = None,
    state: str = "closed",
    outcome: str | None = "resolved",
    channel: str = "email",
    category_id: int | None = None,
    reply_score: int | None = None,
    reply_rated_at: datetime | None = None,
) -> Case:
    number = f"T{uuid.uuid4().hex[:12]}"
    case = Case(
        number=number,
        city_id=office.city_id,
        office_id=office.id,
        unit_id=office.units[0].id,
        channel=channel,
        category_id=category_id,
        subject="測試案件",
        received_at=received_at,
        due_at=due_at,
        working_days=6,
        state=state,
        outcome=outcome if closed_at else None,
        closed_at=closed_at,
        reply_score=reply_score,
        reply_rated_at=reply_rated_at,
    )
    db.session.add(case)
    db.session.flush()
    return case
