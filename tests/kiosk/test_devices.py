"""Kiosk devices: one-time pairing codes, revocation, the admin page and the register CLI."""

import re

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Device
from feedback_app.services import devices
from feedback_app.services.errors import NotFound
from tests.conftest import login

from .factories import bearer, rating


def test_pairing_code_works_once_and_gives_a_token(client, org):
    _, code = devices.register_device(org.a.counters[0])
    db.session.commit()
    first = client.post(f"/kiosk/pair/{code}")
    assert first.status_code == 200
    token = re.search(r'data-token="([^"]+)"', first.get_data(as_text=True)).group(1)
    assert client.post("/api/v1/ratings", json=rating(), headers=bearer(token)).status_code == 200
    again = client.post(f"/kiosk/pair/{code}")
    assert again.status_code == 404


def test_expired_pairing_code_is_refused(app, org):
    from datetime import timedelta

    from feedback_app.models import utcnow

    device, code = devices.register_device(org.a.counters[0])
    device.pairing_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    try:
        devices.pair(code)
    except NotFound:
        pass
    else:
        raise AssertionError("an expired code paired a kiosk")


def test_new_pairing_code_stops_the_old_token(client, kiosk):
    device_id, token, _ = kiosk
    devices.new_pairing_code(db.session.get(Device, device_id))
    db.session.commit()
    assert client.post("/api/v1/ratings", json=rating(), headers=bearer(token)).status_code == 401


def test_cli_register_prints_the_pairing_url_last(runner, org, client):
    result = runner.invoke(args=["kiosk", "register", "--counter", "AA-01"])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"http://\S+/kiosk/pair/[A-Z0-9]{10}", last)
    path = last.split("://", 1)[1].split("/", 1)[1]
    assert client.post("/" + path).status_code == 200
    assert db.session.scalars(sa.select(Device)).one().counter.code == "AA-01"


def test_cli_register_refuses_an_unknown_counter(runner, org):
    result = runner.invoke(args=["kiosk", "register", "--counter", "ZZ-99"])
    assert result.exit_code != 0
    assert "ZZ-99" in result.output
    assert db.session.scalars(sa.select(Device)).all() == []


def test_cli_revoke_stops_ratings(runner, client, kiosk):
    device_id, token, _ = kiosk
    assert runner.invoke(args=["kiosk", "revoke", "--device", str(device_id)]).exit_code == 0
    assert client.post("/api/v1/ratings", json=rating(), headers=bearer(token)).status_code == 403


def test_admin_registers_and_revokes_a_kiosk_of_their_office_only(client, org):
    login(client, "aa.admin")
    counter = org.a.counters[1]
    response = client.post(
        "/kiosk/devices", data={"counter_id": counter.id, "name": "Kiosk 2"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "/kiosk/pair/" in response.get_data(as_text=True)
    device = db.session.scalars(sa.select(Device)).one()
    assert (device.counter_id, device.name) == (counter.id, "Kiosk 2")
    other = client.post("/kiosk/devices", data={"counter_id": org.b.counters[0].id})
    assert other.status_code == 403
    assert client.post(f"/kiosk/devices/{device.id}/revoke").status_code == 302
    db.session.refresh(device)
    assert device.revoked_at is not None


def test_officers_cannot_manage_kiosks(client, org):
    login(client, "aa.officer")
    assert client.get("/kiosk/devices").status_code == 403
    assert client.post("/kiosk/devices", data={"counter_id": org.a.counters[0].id}).status_code == 403


def test_kiosk_page_has_no_inline_script_or_style_and_all_five_languages(client):
    html = client.get("/kiosk/").get_data(as_text=True)
    assert re.search(r"<script(?![^>]*(src=|application/json))", html) is None
    assert "style=" not in html and "<style" not in html
    for name in ("繁體中文", "English", "Tiếng Việt", "Bahasa Indonesia", "ภาษาไทย"):
        assert name in html
    assert "非常滿意" in html and "非常不滿意" in html
