"""Refused ratings are kept in quarantine as they arrived; an admin of the office stores a correction (counted once)
or dismisses them with a reason; their contact details are masked and erased with the retention period."""

import json
from datetime import timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, QuarantinedRating, Rating, utcnow
from feedback_app.services.analytics import Selection, dashboard, scope_of
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.stats import Period
from jobs import retention
from tests.conftest import login

from .factories import bearer, rating

URL = "/api/v1/ratings"
PHONE = "0912345678"


def _quarantined():
    db.session.expire_all()
    return db.session.scalars(sa.select(QuarantinedRating).order_by(QuarantinedRating.id)).all()


def _counts(counter):
    now = utcnow().astimezone(TAIPEI)
    line = dashboard(scope_of(counter.office), Period("month", now.year, now.month), Selection(channel="kiosk"))
    return line.lines[0].current.counts


def _refused(client, token):
    """A low rating with contact details and a reason its version lacks, sent in a batch as a kiosk does."""
    body = rating(
        1,
        seconds_ago=120,
        reasons=["parking"],
        contact={"phone": PHONE, "email": "", "consent": True},
    )
    response = client.post(URL, json={"ratings": [body], "sent_at": utcnow().isoformat()}, headers=bearer(token))
    assert response.status_code == 200
    return body, response.json["results"][0]


def test_a_refused_rating_is_kept_in_quarantine_as_it_arrived_with_reason_device_and_counter(client, kiosk):
    device_id, token, counter = kiosk
    body, result = _refused(client, token)
    assert (result["status"], result["reason"]) == ("quarantined", "invalid")
    assert "reasons" in result["details"]
    [kept] = _quarantined()
    assert json.loads(kept.payload) == body
    assert (kept.device_id, kept.counter_id, kept.office_id, kept.channel) == (
        device_id,
        counter.id,
        counter.office_id,
        "kiosk",
    )
    assert (kept.uuid, kept.reason, kept.has_contact) == (body["uuid"], "invalid", True)
    assert kept.received_at is not None and kept.resolved_at is None
    assert db.session.scalars(sa.select(Rating)).all() == []


def test_the_same_refused_rating_sent_again_is_kept_once_and_answered_quarantined_again(client, kiosk):
    _, token, _ = kiosk
    body, _ = _refused(client, token)
    again = client.post(URL, json={"ratings": [body]}, headers=bearer(token))
    assert again.json["results"][0]["status"] == "quarantined"
    assert len(_quarantined()) == 1


def test_a_single_rating_refused_is_answered_with_the_error_and_not_quarantined(client, kiosk):
    _, token, _ = kiosk
    response = client.post(URL, json=rating(9), headers=bearer(token))
    assert response.status_code == 400
    assert _quarantined() == []


def test_a_payload_with_a_lone_surrogate_is_kept_as_sent(client, kiosk):
    _, token, _ = kiosk
    raw = (
        '{"ratings": [{"uuid": "not-a-uuid", "tapped_at": "2026-01-01T00:00:00+08:00", '
        '"answers": {"overall": 5}, "note": "\\ud800"}]}'
    )
    response = client.post(URL, data=raw, content_type="application/json", headers=bearer(token))
    assert response.status_code == 200 and response.json["results"][0]["status"] == "quarantined"
    assert json.loads(_quarantined()[0].payload)["note"] == "\ud800"


def test_the_quarantine_page_masks_contact_details_and_is_scoped_to_the_office(client, kiosk, org):
    _, token, _ = kiosk
    _refused(client, token)
    login(client, "aa.admin")
    page = client.get("/kiosk/quarantine")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "0912-***-678" in html and PHONE not in html
    assert "parking" in html
    client.post("/logout")
    login(client, "bb.admin")
    other = client.get("/kiosk/quarantine").get_data(as_text=True)
    assert "0912-***-678" not in other and "parking" not in other
    item = _quarantined()[0]
    store = client.post(f"/kiosk/quarantine/{item.id}/store", data={"payload": "{}"})
    assert store.status_code == 403
    client.post("/logout")
    login(client, "aa.supervisor")
    assert client.get("/kiosk/quarantine").status_code == 403


def test_an_admin_stores_a_corrected_rating_and_it_counts_once_in_the_figures(client, kiosk, org):
    _, token, counter = kiosk
    body, _ = _refused(client, token)
    item = _quarantined()[0]
    before = _counts(counter)
    login(client, "aa.admin")
    corrected = {k: v for k, v in body.items() if k != "contact"}
    corrected["answers"] = {"overall": 1, "reasons": ["other"]}
    response = client.post(f"/kiosk/quarantine/{item.id}/store", data={"payload": json.dumps(corrected)})
    assert response.status_code == 302
    after = _counts(counter)
    assert after[0] == before[0] + 1 and sum(after) == sum(before) + 1
    rating_row = db.session.scalars(sa.select(Rating)).one()
    assert rating_row.uuid == body["uuid"] and rating_row.score == 1
    case = db.session.get(Case, rating_row.case_id)
    assert case.petitioner_phone == PHONE  # the contact details came along, for the call back
    [kept] = _quarantined()
    assert (kept.resolution, kept.rating_id) == ("stored", rating_row.id)
    assert "contact" not in json.loads(kept.payload) and not kept.has_contact
    # Storing again, or the kiosk sending the original once more, counts nothing twice.
    again = client.post(f"/kiosk/quarantine/{item.id}/store", data={"payload": json.dumps(corrected)})
    assert again.status_code == 409
    resent = client.post(URL, json={"ratings": [body]}, headers=bearer(token))
    assert resent.json["results"][0]["status"] == "quarantined"
    assert _counts(counter) == after and len(_quarantined()) == 1


def test_a_correction_still_refused_shows_why_and_changes_nothing(client, kiosk):
    _, token, _ = kiosk
    body, _ = _refused(client, token)
    item = _quarantined()[0]
    login(client, "aa.admin")
    for payload, field in (("{not json", "payload"), (json.dumps(dict(body, answers={"overall": 9})), "overall")):
        response = client.post(f"/kiosk/quarantine/{item.id}/store", data={"payload": payload})
        assert response.status_code == 400
        assert f"<code>{field}</code>" in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Rating)).all() == []
    assert _quarantined()[0].resolved_at is None


def test_an_admin_dismisses_a_refused_rating_only_with_a_reason(client, kiosk):
    _, token, _ = kiosk
    _refused(client, token)
    item = _quarantined()[0]
    login(client, "aa.admin")
    assert client.post(f"/kiosk/quarantine/{item.id}/dismiss", data={"note": " "}).status_code == 400
    assert _quarantined()[0].resolved_at is None
    assert client.post(f"/kiosk/quarantine/{item.id}/dismiss", data={"note": "測試機誤觸"}).status_code == 302
    kept = _quarantined()[0]
    assert (kept.resolution, kept.resolution_note) == ("dismissed", "測試機誤觸")
    assert "測試機誤觸" in client.get("/kiosk/quarantine").get_data(as_text=True)


def test_contact_details_in_quarantine_are_erased_with_the_retention_period(client, kiosk, app):
    _, token, _ = kiosk
    _refused(client, token)
    _refused(client, token)
    old, recent = _quarantined()
    old.received_at = utcnow() - timedelta(days=6 * 365)
    db.session.commit()
    result = retention.purge(utcnow())
    assert result["quarantined_contacts"] == 1
    old, recent = _quarantined()
    assert "contact" not in json.loads(old.payload) and PHONE not in old.payload and not old.has_contact
    assert json.loads(old.payload)["answers"]["reasons"] == ["parking"]
    assert PHONE in recent.payload and recent.has_contact
    assert retention.purge(utcnow())["quarantined_contacts"] == 0
