"""Real-time alerts judge taps by when they were tapped, mail only what is still open, and always reach someone."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Alert, Notification, Rating, utcnow
from feedback_app.services import alerts
from feedback_app.services.calendar import next_office_moment
from jobs import delivery

from .factories import bearer, rating

URL = "/api/v1/ratings"


def _alerts():
    db.session.expire_all()
    return db.session.scalars(sa.select(Alert).order_by(Alert.id)).all()


def _send(client, token, *ratings):
    response = client.post(URL, json={"ratings": list(ratings)}, headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _live_alert(client, token, org):
    """Four unhappy taps in the last minutes raise an alert, which the unit's supervisor acknowledges."""
    _send(client, token, *[rating(1, seconds_ago=s) for s in (400, 300, 200, 100)])
    (alert,) = _alerts()
    alerts.acknowledge(org.users[("AA", "supervisor")], alert.id, "加開櫃檯")
    return alert


def test_an_old_tap_arriving_late_does_not_refire_an_acknowledged_alert_over_live_ratings(client, kiosk, org):
    _, token, _ = kiosk
    _live_alert(client, token, org)
    old = rating(1) | {"tapped_at": "2025-03-04T02:00:00+00:00"}
    assert _send(client, token, old)["stored"] == 1
    assert len(_alerts()) == 1


def test_a_late_tap_from_the_alerted_minutes_raises_nothing_but_a_new_tap_after_them_does(client, kiosk, org):
    _, token, _ = kiosk
    _live_alert(client, token, org)
    _send(client, token, rating(1, seconds_ago=150))
    assert len(_alerts()) == 1
    _send(client, token, rating(1, seconds_ago=10))
    assert len(_alerts()) == 2


def test_a_batch_of_old_taps_alone_raises_no_real_time_alert(client, kiosk):
    _, token, _ = kiosk
    _send(client, token, *[rating(1, seconds_ago=7200 + s) for s in (0, 60, 120, 180, 240)])
    assert _alerts() == []


def test_the_alert_window_ends_at_the_newest_unhappy_tap(client, kiosk):
    _, token, counter = kiosk
    _send(client, token, rating(5, seconds_ago=30), *[rating(2, seconds_ago=s) for s in (500, 400, 300, 200)])
    (alert,) = _alerts()
    assert (alert.ratings, alert.unhappy) == (4, 4)  # the happy tap after the newest unhappy one is not in it


def test_an_alert_acknowledged_before_its_mail_went_out_is_not_mailed(app, client, kiosk, org, smtp_server):
    _, token, counter = kiosk
    alert = _live_alert(client, token, org)
    supervisor = org.users[("AA", "supervisor")]
    assert alert.acknowledged_at is not None
    result = delivery.deliver(next_office_moment(utcnow()))
    assert result["sent"] == 0 and smtp_server.messages == []
    mail = db.session.scalars(sa.select(Notification).where(Notification.channel == "email")).one()
    db.session.refresh(mail)
    assert (mail.status, mail.recipient) == ("obsolete", supervisor.email)
    assert delivery.deliver(next_office_moment(utcnow()))["sent"] == 0  # never claimed again


def test_an_open_alert_is_mailed_exactly_once(app, client, kiosk, org, smtp_server):
    _, token, counter = kiosk
    _send(client, token, *[rating(1, seconds_ago=s) for s in (400, 300, 200, 100)])
    assert delivery.deliver(next_office_moment(utcnow()))["sent"] == 1
    assert delivery.deliver(next_office_moment(utcnow()))["sent"] == 0
    assert [m["to"] for m in smtp_server.messages] == [[org.users[("AA", "supervisor")].email]]
    assert counter.code in smtp_server.messages[0]["message"]["Subject"]


def _recipients_of_alert():
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == alerts.KIND)).all()
    return sorted((n.channel, n.user_id) for n in notes)


def test_an_office_without_a_supervisor_sends_its_alert_to_its_director(client, kiosk, org):
    _, token, _ = kiosk
    org.users[("AA", "supervisor")].active = False
    db.session.commit()
    _send(client, token, *[rating(1, seconds_ago=s) for s in (400, 300, 200, 100)])
    director = org.users[("AA", "director")]
    assert _recipients_of_alert() == [("email", director.id), ("inapp", director.id)]


def test_an_office_without_supervisor_or_director_sends_its_alert_to_the_admins(client, kiosk, org):
    _, token, _ = kiosk
    org.users[("AA", "supervisor")].active = False
    org.users[("AA", "director")].active = False
    db.session.commit()
    _send(client, token, *[rating(1, seconds_ago=s) for s in (400, 300, 200, 100)])
    admins = sorted([org.users[("AA", "admin")].id, org.users[("TPE", "admin")].id])
    assert _recipients_of_alert() == sorted([(c, i) for i in admins for c in ("email", "inapp")])
    assert org.users[("BB", "admin")].id not in {i for _, i in _recipients_of_alert()}


def test_a_late_batch_of_old_taps_is_judged_noise_by_its_own_tap_times(client, kiosk):
    _, token, _ = kiosk
    live = rating(5, seconds_ago=30)
    _send(client, token, live)
    late = [rating(1, seconds_ago=7200), rating(1, seconds_ago=7198), rating(2, seconds_ago=7100)]
    _send(client, token, *late)
    db.session.expire_all()
    noise = dict(db.session.execute(sa.select(Rating.uuid, Rating.is_noise)).all())
    assert [noise[r["uuid"]] for r in late] == [False, True, False]
    assert noise[live["uuid"]] is False
    assert _alerts() == []
