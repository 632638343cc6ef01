"""Malformed input to the ratings API is a clear 400 in the API's error shape, and stores nothing."""

import json

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Rating
from feedback_app.services import qr

from .factories import bearer, rating

URL = "/api/v1/ratings"


def _nothing_stored():
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 0


def _error(response) -> dict:
    assert response.status_code == 400, response.get_data(as_text=True)
    error = response.json["error"]
    assert error["code"] in ("invalid", "bad_request") and error["message"]
    return error


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_a_deeply_nested_body_is_a_clear_400(client, kiosk, depth):
    _, token, _ = kiosk
    body = '{"ratings": ' + "[" * depth + "]" * depth + "}"
    error = _error(client.post(URL, data=body, content_type="application/json", headers=bearer(token)))
    assert error["details"] == {"body": error["message"]}
    assert _nothing_stored()


def test_a_lone_surrogate_in_a_comment_is_a_clear_400(client, org):
    token = qr.counter_token(org.a.counters[0])
    item = rating(1) | {"survey_token": token}
    item["answers"] = {"attitude": 1, "competence": 1, "waiting": 1, "environment": 1, "overall": 1, "comment": "@@"}
    body = json.dumps(item).replace("@@", "bad \\ud800 text")
    error = _error(client.post(URL, data=body, content_type="application/json"))
    assert error["details"] == {"body": error["message"]}
    assert _nothing_stored()


def test_a_lone_surrogate_in_a_kiosk_batch_sends_that_rating_to_quarantine_and_emoji_pairs_are_fine(client, kiosk):
    _, token, _ = kiosk
    body = json.dumps({"ratings": [rating(4), rating(5) | {"locale": "@@"}]})
    bad = client.post(URL, data=body.replace("@@", "\\udfff"), content_type="application/json", headers=bearer(token))
    assert bad.status_code == 200  # a whole-batch refusal would keep the kiosk resending it for ever
    assert [r["status"] for r in bad.json["results"]] == ["stored", "quarantined"]
    assert "body" in bad.json["results"][1]["details"]
    single = json.dumps(rating(5) | {"locale": "@@"}).replace("@@", "\\udfff")
    _error(client.post(URL, data=single, content_type="application/json", headers=bearer(token)))
    fine = client.post(
        URL, data=body.replace("@@", "\\ud83d\\ude00"), content_type="application/json", headers=bearer(token)
    )
    assert fine.status_code == 200 and [r["status"] for r in fine.json["results"]] == ["already_stored", "stored"]


@pytest.mark.parametrize("tapped_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00Z"])
def test_a_tap_time_no_clock_shows_is_a_clear_400(client, kiosk, tapped_at):
    _, token, _ = kiosk
    error = _error(client.post(URL, json=rating(1) | {"tapped_at": tapped_at}, headers=bearer(token)))
    assert "tapped_at" in error["details"]
    assert _nothing_stored()


def test_a_tap_time_no_clock_shows_is_named_and_quarantined_in_a_batch_and_the_rest_is_stored(client, kiosk):
    _, token, _ = kiosk
    batch = [rating(5), rating(1) | {"tapped_at": "0001-01-01T00:00:00+14:00"}]
    response = client.post(URL, json={"ratings": batch}, headers=bearer(token))
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["stored", "quarantined"]  # kept for an admin, not lost
    assert "tapped_at" in response.json["results"][1]["details"]


def test_a_body_that_is_not_json_is_a_clear_400(client, kiosk):
    _, token, _ = kiosk
    error = _error(client.post(URL, data="{not json", content_type="application/json", headers=bearer(token)))
    assert error["details"]["body"]


def test_the_cases_api_refuses_a_deeply_nested_body_or_a_lone_surrogate_with_a_clear_400(client, org):
    from tests.api.factories import make_token

    writer = make_token(org, "cases:write cases:read")
    deep = '{"subject": ' + "[" * 100_000 + "]" * 100_000 + "}"
    _error(client.post("/api/v1/cases", data=deep, content_type="application/json", headers=bearer(writer)))
    surrogate = '{"subject": "\\ud800", "description": "x"}'
    _error(client.post("/api/v1/cases", data=surrogate, content_type="application/json", headers=bearer(writer)))
