"""What staff read is in their language: a kiosk whose browser asks for English opens a follow-up case and an
alert written in Chinese for a Chinese office, and a staff member who chose English reads the alert in English."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, CaseChannel, Notification, utcnow
from feedback_app.services.calendar import next_office_moment
from jobs import delivery

from .factories import bearer, rating

ENGLISH_KIOSK = {"Accept-Language": "en-US,en;q=0.9"}


def _send(client, token, *ratings):
    response = client.post("/api/v1/ratings", json={"ratings": list(ratings)},
                           headers=bearer(token) | ENGLISH_KIOSK)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_an_english_kiosk_opens_a_chinese_follow_up_case_and_mails_a_chinese_alert(client, kiosk, org, smtp_server):
    _, token, counter = kiosk
    contact = {"phone": "0912345678", "consent": True}
    low = [rating(1, seconds_ago=s, locale="en", contact=contact if s == 100 else None) for s in (400, 300, 200, 100)]
    _send(client, token, *low)

    case = db.session.scalar(sa.select(Case).where(Case.channel == CaseChannel.RATING_FOLLOWUP))
    assert case.subject == f"櫃檯 {counter.code} 低分評價回電"
    assert f"櫃檯 {counter.code} 評分 1 分。" in case.description

    assert delivery.deliver(next_office_moment(utcnow()))["sent"] >= 1
    supervisor = org.users[("AA", "supervisor")]
    (mail,) = [m["message"] for m in smtp_server.messages if m["to"] == [supervisor.email]]
    assert mail["Subject"] == f"滿意度警示：櫃檯 {counter.code}"
    assert "Satisfaction" not in mail.get_content() and "ratings" not in mail.get_content()
    inapp = db.session.scalar(sa.select(Notification).where(
        Notification.channel == "inapp", Notification.user_id == supervisor.id))
    assert inapp.subject == f"滿意度警示：櫃檯 {counter.code}"


def test_a_staff_member_who_chose_english_reads_the_alert_in_english(client, kiosk, org):
    _, token, counter = kiosk
    supervisor = org.users[("AA", "supervisor")]
    supervisor.locale = "en"
    db.session.commit()
    client.post("/api/v1/ratings", json={"ratings": [rating(1, seconds_ago=s) for s in (400, 300, 200, 100)]},
                headers=bearer(token) | {"Accept-Language": "zh-TW"})
    subjects = set(db.session.scalars(sa.select(Notification.subject).where(Notification.user_id == supervisor.id)))
    assert subjects == {f"Satisfaction alert: counter {counter.code}"}
