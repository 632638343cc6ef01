"""The demo city's staff survey: colleagues enough to fill a unit, two closed rounds with answers, one open round.

The closed rounds lie in the past, so their links and mail are history: their invitations are written as used or
not, with no mail in the ledger. The open round is opened as a director would open it today, so its links are
queued for the next office hours."""

import hashlib
import random
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from ...extensions import db
from ...i18n import roc_year
from ...models import (
    Office,
    Role,
    StaffSurveyInvitation,
    StaffSurveyResponse,
    StaffSurveyRound,
    Unit,
    User,
)
from ..calendar import TAIPEI
from ..users import UNUSABLE_PASSWORD
from .rounds import _remind_on, _staff_version, open_round

# Staff per unit code each demo office has in all; the demo's named accounts count towards them.
UNIT_SIZES = {"REG": 8, "REC": 6, "ADM": 4}
NAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴徐"
GIVEN = ["雅雯", "冠宇", "宜蓁", "承恩", "思妤", "柏翰", "郁婷", "彥廷", "詩涵", "品睿"]
# How content each office's staff are, on the five-point scale.
OFFICE_MOOD = {"ZS": 4.0, "DA": 3.6, "XY": 3.3}


def _colleagues(rng: random.Random, city_id: int) -> None:
    """Fill each demo unit up to UNIT_SIZES with officers who have no password (they only answer by link)."""
    for office in db.session.scalars(sa.select(Office).where(Office.city_id == city_id).order_by(Office.code)):
        for unit in db.session.scalars(sa.select(Unit).where(Unit.office_id == office.id).order_by(Unit.code)):
            have = db.session.scalar(sa.select(sa.func.count()).where(User.unit_id == unit.id)) or 0
            for i in range(have, UNIT_SIZES.get(unit.code, 0)):
                username = f"{office.code.lower()}.{unit.code.lower()}{i + 1}"
                db.session.add(User(
                    username=username, display_name=rng.choice(NAMES) + rng.choice(GIVEN), role=Role.OFFICER,
                    city_id=city_id, office_id=office.id, unit_id=unit.id, active=True,
                    email=f"{username}@demo.counter-feedback.tw", password_hash=UNUSABLE_PASSWORD))
    db.session.flush()


def _closed_round(rng: random.Random, city_id: int, title: str, ends_on, mood_shift: float) -> None:
    starts_on = ends_on - timedelta(days=13)
    version = _staff_version(city_id)
    survey_round = StaffSurveyRound(
        city_id=city_id, office_id=None, questionnaire_version_id=version.id, title=title, starts_on=starts_on,
        ends_on=ends_on, remind_on=_remind_on(starts_on, ends_on),
        opened_at=datetime.combine(starts_on, datetime.min.time(), tzinfo=TAIPEI) + timedelta(hours=9),
        closed_at=datetime.combine(ends_on, datetime.max.time(), tzinfo=TAIPEI))
    db.session.add(survey_round)
    db.session.flush()
    offices = dict(db.session.execute(sa.select(Office.id, Office.code).where(Office.city_id == city_id)).all())
    people = db.session.scalars(sa.select(User).where(
        User.city_id == city_id, User.active.is_(True), User.office_id.is_not(None)).order_by(User.id)).all()
    responses = []
    for person in people:
        answered = rng.random() < 0.82
        db.session.add(StaffSurveyInvitation(
            round_id=survey_round.id, user_id=person.id, used=answered,
            token_hash=hashlib.sha256(secrets.token_bytes(24)).hexdigest()))
        if not answered:
            continue
        mood = OFFICE_MOOD.get(offices[person.office_id], 3.6) + mood_shift

        def score(bias=0.0, mood=mood):
            return max(1, min(5, round(rng.gauss(mood + bias, 0.8))))

        scores = {"support": score(-0.2), "cooperation": score(), "environment": score(0.1), "overall": score()}
        responses.append(StaffSurveyResponse(round_id=survey_round.id, office_id=person.office_id,
                                             unit_id=person.unit_id, score=scores["overall"], scores=scores))
    rng.shuffle(responses)  # written in no particular order, as the answers of a real round would come in
    db.session.add_all(responses)
    db.session.flush()


def seed_demo_rounds(city_id: int, by: User, now: datetime, rng: random.Random) -> None:
    """Two closed city-wide rounds (the latest a week ago, one a quarter before) and one open round from today."""
    _colleagues(rng, city_id)
    today = now.astimezone(TAIPEI).date()
    latest_end = today - timedelta(days=7)
    for ends_on, shift in ((latest_end - timedelta(days=91), -0.3), (latest_end, 0.0)):
        _closed_round(rng, city_id, f"{roc_year(ends_on)}年{ends_on.month}月內部顧客滿意度調查", ends_on, shift)
    open_round(by, {"office_id": None, "title": "年終內部顧客滿意度調查", "starts_on": today,
                    "ends_on": today + timedelta(days=14)}, now)
