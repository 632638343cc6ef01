"""The demo's questionnaires per service: 戶籍登記 and 役政 questionnaires on some kiosks, with their recent
ratings, and one office whose kiosks ask sex and age (some citizens answered)."""

import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Answer, Channel, Counter, Office, Question, Rating, User
from . import kiosk_sex_age
from . import service_questionnaires as service
from .defaults import t

SERVICES = [
    (
        "registration",
        t("戶籍登記", "Household registration", "Đăng ký hộ tịch", "Pendaftaran rumah tangga", "การจดทะเบียนบ้าน"),
        t(
            "您對今天辦理戶籍登記的服務滿意嗎？",
            "How satisfied are you with today's household registration service?",
            "Bạn có hài lòng với dịch vụ đăng ký hộ tịch hôm nay không?",
            "Seberapa puas Anda dengan layanan pendaftaran rumah tangga hari ini?",
            "คุณพอใจกับบริการจดทะเบียนบ้านวันนี้หรือไม่",
        ),
        ("-03",),
    ),
    (
        "military",
        t("役政", "Military service affairs", "Nghĩa vụ quân sự", "Urusan wajib militer", "งานกิจการทหาร"),
        t(
            "您對今天辦理役政業務的服務滿意嗎？",
            "How satisfied are you with today's military service affairs service?",
            "Bạn có hài lòng với dịch vụ nghĩa vụ quân sự hôm nay không?",
            "Seberapa puas Anda dengan layanan urusan wajib militer hari ini?",
            "คุณพอใจกับบริการงานกิจการทหารวันนี้หรือไม่",
        ),
        ("XY-04",),
    ),
]
# How far back the kiosks of the assigned counters have asked the service questionnaires.
ASSIGNED_DAYS = 120
SEX_AGE_OFFICE = "ZS"
SEX_AGE_SHARE = 0.6


def seed_demo_services(city_id: int, admin: User, now: datetime, seed: int) -> None:
    """Services, their kiosk questionnaires (published), assignments, recent ratings and sex/age answers."""
    rng = random.Random(seed + 1003)
    since = now - timedelta(days=ASSIGNED_DAYS)
    counters = db.session.scalars(sa.select(Counter).order_by(Counter.code)).all()
    for code, names, overall_text, counter_codes in SERVICES:
        created = service.create_service(admin, code=code, names=names)
        draft = service.create_questionnaire(
            admin, code=f"kiosk_{code}", kind="kiosk", names=names, service_id=created.id
        )
        overall = next(q for q in draft.questions if q.code == "overall")
        overall.texts = dict(overall_text)
        draft.published_at = since
        db.session.flush()
        for counter in counters:
            if any(counter.code.endswith(c) or counter.code == c for c in counter_codes):
                service.assign(admin, counter.id, kiosk_questionnaire_id=draft.questionnaire_id)
                _repoint(counter.id, draft.id, since)
    office = db.session.scalar(sa.select(Office).where(Office.code == SEX_AGE_OFFICE))
    kiosk_sex_age.set_ask_sex_age(admin, office.id, True)
    _answer_sex_age(rng, office.id, since)


def _repoint(counter_id: int, version_id: int, since: datetime) -> None:
    """The counter's kiosk ratings since the assignment were given against the service questionnaire."""
    new = {q.code: q.id for q in db.session.scalars(sa.select(Question).where(Question.version_id == version_id))}
    ratings = sa.select(Rating.id).where(
        Rating.counter_id == counter_id, Rating.channel == Channel.KIOSK, Rating.tapped_at >= since
    )
    for code, question_id in new.items():
        db.session.execute(
            sa.update(Answer)
            .where(
                Answer.rating_id.in_(ratings),
                Answer.question_id.in_(sa.select(Question.id).where(Question.code == code)),
            )
            .values(question_id=question_id)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        sa.update(Rating)
        .where(Rating.id.in_(ratings.scalar_subquery()))
        .values(questionnaire_version_id=version_id)
        .execution_options(synchronize_session=False)
    )


def _answer_sex_age(rng: random.Random, office_id: int, since: datetime) -> None:
    ids = db.session.scalars(
        sa.select(Rating.id)
        .where(Rating.office_id == office_id, Rating.channel == Channel.KIOSK, Rating.tapped_at >= since)
        .order_by(Rating.id)
    ).all()
    rows = [
        {
            "rid": rid,
            "s": rng.choice(kiosk_sex_age.SEX_CODES[:2] * 8 + kiosk_sex_age.SEX_CODES[2:]),
            "a": rng.choice(kiosk_sex_age.AGE_CODES),
        }
        for rid in ids
        if rng.random() < SEX_AGE_SHARE
    ]
    if rows:
        db.session.connection().execute(
            sa.update(Rating.__table__)
            .where(Rating.__table__.c.id == sa.bindparam("rid"))
            .values(sex=sa.bindparam("s"), age_group=sa.bindparam("a")),
            rows,
        )
