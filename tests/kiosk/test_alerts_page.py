"""Supervisors see their unit's alerts and acknowledge each once with a comment."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Alert
from tests.conftest import login

from .factories import bearer, rating


def _raise_alert(client, token):
    client.post(
        "/api/v1/ratings",
        json={"ratings": [rating(1, seconds_ago=s) for s in (400, 300, 200, 100)]},
        headers=bearer(token),
    )
    return db.session.scalars(sa.select(Alert)).one()


def test_supervisor_acknowledges_an_alert_with_a_comment_once(client, kiosk, org):
    _, token, counter = kiosk
    alert = _raise_alert(client, token)
    login(client, "aa.supervisor")
    page = client.get("/alerts/").get_data(as_text=True)
    assert counter.code in page and f"alert-{alert.id}" in page
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"comment": " "}).status_code == 400
    response = client.post(f"/alerts/{alert.id}/acknowledge", data={"comment": "加開櫃檯"})
    assert response.status_code == 302
    db.session.refresh(alert)
    assert alert.comment == "加開櫃檯"
    assert alert.acknowledged_by_id == org.users[("AA", "supervisor")].id
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"comment": "again"}).status_code == 409
    db.session.refresh(alert)
    assert alert.comment == "加開櫃檯"


def test_other_offices_and_officers_cannot_see_or_acknowledge(client, kiosk):
    _, token, _ = kiosk
    alert = _raise_alert(client, token)
    login(client, "bb.supervisor")
    assert f"alert-{alert.id}" not in client.get("/alerts/").get_data(as_text=True)
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"comment": "x"}).status_code == 403
    client.post("/logout")
    login(client, "aa.officer")
    assert client.get("/alerts/").status_code == 403
