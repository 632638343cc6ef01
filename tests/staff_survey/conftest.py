"""A city whose office AA has a second unit (民政課, six staff) beside 戶籍登記課 (the org's five accounts)."""

from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Notification, Role, Unit, User, utcnow
from feedback_app.services import staff_survey
from feedback_app.services.calendar import TAIPEI
from tests import factories


@pytest.fixture
def staff(org):
    civil = Unit(office_id=org.a.id, code="CIV", name="民政課")
    db.session.add(civil)
    db.session.flush()
    people = []
    for i in range(6):
        user = factories.make_user(f"aa.civil{i}", Role.OFFICER, org.tpe, org.a)
        user.unit_id = civil.id
        people.append(user)
    db.session.commit()
    return SimpleNamespace(civil=civil, civil_staff=people, org=org)


def today_taipei():
    return utcnow().astimezone(TAIPEI).date()


def open_aa_round(org, title="115年第4季內部顧客滿意度", days=14, by="aa.director"):
    director = db.session.scalar(sa.select(User).where(User.username == by))
    start = today_taipei()
    survey_round, invited = staff_survey.open_round(
        director, {"office_id": org.a.id, "title": title, "starts_on": start,
                   "ends_on": start + timedelta(days=days)})
    db.session.commit()
    return survey_round, invited


def link_of(round_id: int, username: str) -> str:
    """The one-time link mailed to a staff member, as the ledger holds it."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    return db.session.scalar(sa.select(Notification.link).where(
        Notification.key == f"{staff_survey.KIND}:{round_id}:{user.id}"))


def token_of(round_id: int, username: str) -> str:
    return link_of(round_id, username).rsplit("/", 1)[1]


def at_taipei(day, hour=10):
    return datetime.combine(day, time(hour), tzinfo=TAIPEI)
