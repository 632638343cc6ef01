"""Kiosk clocks that are wrong: each send carries the device's clock, and every tap time is corrected by its offset.

The raw device time is kept beside the corrected one; tap times still implausible after correction are stored
and flagged for review, never refused."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import event

from feedback_app.extensions import db
from feedback_app.models import Device, QuarantinedRating, Rating, utcnow

from .factories import bearer, rating

URL = "/api/v1/ratings"
HOUR = timedelta(hours=1)
YEAR = timedelta(days=365)


def _stored():
    db.session.expire_all()
    return {r.uuid: r for r in db.session.scalars(sa.select(Rating))}


def _send_from_skewed_device(client, token, skew: timedelta, taps_ago: list[int], **extra):
    """Taps made `taps_ago` seconds ago, stamped and sent by a device whose clock is off by `skew`."""
    device_now = utcnow() + skew
    batch = [rating(5, tapped_at=(device_now - timedelta(seconds=s)).isoformat()) for s in taps_ago]
    response = client.post(
        URL, json={"ratings": batch, "sent_at": device_now.isoformat(), **extra}, headers=bearer(token)
    )
    assert response.status_code == 200, response.json
    return batch, response.json


def _assert_filed_at_true_time(batch, taps_ago, skew):
    stored = _stored()
    for body, seconds in zip(batch, taps_ago, strict=True):
        r = stored[body["uuid"]]
        true_time = utcnow() - timedelta(seconds=seconds)
        assert abs((r.tapped_at - true_time).total_seconds()) < 5, (r.tapped_at, true_time)
        assert r.device_tapped_at == datetime.fromisoformat(body["tapped_at"]).replace(
            microsecond=r.device_tapped_at.microsecond
        )
        assert abs((r.device_tapped_at - r.tapped_at) - skew) < timedelta(seconds=5)
        assert r.tap_time_flag is None


def test_a_kiosk_an_hour_fast_files_its_taps_at_the_true_time_keeping_the_device_time(client, kiosk):
    _, token, _ = kiosk
    taps_ago = [600, 120, 10]
    batch, answer = _send_from_skewed_device(client, token, HOUR, taps_ago)
    assert [r["status"] for r in answer["results"]] == ["stored"] * 3
    _assert_filed_at_true_time(batch, taps_ago, HOUR)


def test_a_kiosk_a_year_slow_files_its_taps_at_the_true_time(client, kiosk):
    _, token, _ = kiosk
    taps_ago = [3600, 30]
    batch, answer = _send_from_skewed_device(client, token, -YEAR, taps_ago)
    assert answer["stored"] == 2
    _assert_filed_at_true_time(batch, taps_ago, -YEAR)


def test_a_kiosk_reset_to_1970_files_its_taps_at_the_true_time(client, kiosk):
    _, token, _ = kiosk
    epoch_skew = datetime(1970, 1, 1, 0, 5, tzinfo=UTC) - utcnow()
    taps_ago = [240, 60]
    batch, answer = _send_from_skewed_device(client, token, epoch_skew, taps_ago)
    assert answer["stored"] == 2
    assert batch[0]["tapped_at"].startswith("1970-01-01T00:01")
    _assert_filed_at_true_time(batch, taps_ago, epoch_skew)


def test_a_batch_sent_again_with_another_clock_reading_is_already_stored_not_a_conflict(client, kiosk):
    _, token, _ = kiosk
    device_now = utcnow() + HOUR
    batch = [rating(4, tapped_at=(device_now - timedelta(seconds=s)).isoformat()) for s in (90, 30)]
    first = client.post(URL, json={"ratings": batch, "sent_at": device_now.isoformat()}, headers=bearer(token))
    later = (device_now + timedelta(seconds=7)).isoformat()  # the same queue, sent again 7 s later
    again = client.post(URL, json={"ratings": batch, "sent_at": later}, headers=bearer(token))
    assert [r["status"] for r in first.json["results"]] == ["stored", "stored"]
    assert [r["status"] for r in again.json["results"]] == ["already_stored", "already_stored"]
    assert len(_stored()) == 2


def test_a_clock_within_the_tolerance_is_left_alone(client, kiosk):
    _, token, _ = kiosk
    body = rating(5, seconds_ago=60)
    sent_at = (utcnow() + timedelta(seconds=2)).isoformat()
    client.post(URL, json={"ratings": [body], "sent_at": sent_at}, headers=bearer(token))
    r = _stored()[body["uuid"]]
    assert r.tapped_at == r.device_tapped_at == datetime.fromisoformat(body["tapped_at"]).replace(
        microsecond=r.tapped_at.microsecond
    )


def test_an_older_kiosk_without_its_clock_is_stored_as_before(client, kiosk):
    _, token, _ = kiosk
    body = rating(3, seconds_ago=300)
    response = client.post(URL, json={"ratings": [body]}, headers=bearer(token))
    assert response.json["results"][0]["status"] == "stored"
    r = _stored()[body["uuid"]]
    assert r.tapped_at == r.device_tapped_at and r.tap_time_flag is None


def test_a_tap_still_ahead_after_correction_is_stored_and_flagged_not_refused(client, kiosk):
    _, token, _ = kiosk
    no_clock = rating(5, seconds_ago=-3600)  # an older kiosk an hour fast
    response = client.post(URL, json={"ratings": [no_clock]}, headers=bearer(token))
    assert response.json["results"][0]["status"] == "stored"
    device_now = utcnow() - HOUR
    odd = rating(5, tapped_at=(device_now + timedelta(minutes=30)).isoformat())  # after its own clock
    client.post(URL, json={"ratings": [odd], "sent_at": device_now.isoformat()}, headers=bearer(token))
    stored = _stored()
    assert {stored[no_clock["uuid"]].tap_time_flag, stored[odd["uuid"]].tap_time_flag} == {"future"}
    assert abs((stored[odd["uuid"]].tapped_at - (utcnow() + timedelta(minutes=30))).total_seconds()) < 5


def test_a_tap_before_the_kiosk_was_paired_is_stored_and_flagged(client, kiosk):
    device_id, token, _ = kiosk
    db.session.get(Device, device_id).paired_at = utcnow() - timedelta(days=1)
    db.session.commit()
    body = rating(5, seconds_ago=3 * 24 * 3600)
    response = client.post(
        URL, json={"ratings": [body], "sent_at": utcnow().isoformat()}, headers=bearer(token)
    )
    assert response.json["results"][0]["status"] == "stored"
    assert _stored()[body["uuid"]].tap_time_flag == "before_pairing"


def test_a_malformed_device_clock_is_a_clear_400_and_stores_nothing(client, kiosk):
    _, token, _ = kiosk
    for sent_at in ("yesterday", "2026-01-01T10:00:00", 12345, ""):
        response = client.post(URL, json={"ratings": [rating(5)], "sent_at": sent_at}, headers=bearer(token))
        assert response.status_code == 400, sent_at
        assert "sent_at" in response.json["error"]["details"]
    assert _stored() == {}
    assert db.session.scalars(sa.select(QuarantinedRating)).all() == []


def test_a_tap_time_out_of_range_after_correction_is_quarantined_not_a_server_error(client, kiosk):
    _, token, _ = kiosk
    body = rating(5, tapped_at="9999-12-31T23:00:00+00:00")
    response = client.post(
        URL, json={"ratings": [body], "sent_at": (utcnow() - YEAR).isoformat()}, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.json["results"][0]["status"] == "quarantined"


def test_correcting_the_clock_costs_no_extra_query(client, kiosk, app):
    _, token, _ = kiosk
    client.post(URL, json={"ratings": [rating(5, seconds_ago=900)]}, headers=bearer(token))
    statements = []

    def count(*_args):
        statements.append(1)

    def send(body):
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.post(URL, json=body, headers=bearer(token)).json["stored"] == 2
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    plain = send({"ratings": [rating(5, seconds_ago=60), rating(4, seconds_ago=30)]})
    device_now = utcnow() + HOUR
    skewed = send(
        {
            "ratings": [rating(5, tapped_at=(device_now - timedelta(seconds=s)).isoformat()) for s in (20, 10)],
            "sent_at": device_now.isoformat(),
        }
    )
    assert skewed == plain
