"""POST /api/v1/ratings: storing once per UUID, conflicts, validation, batches, noise, follow-ups, alerts."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import (
    Alert,
    Answer,
    Case,
    CaseChannel,
    MonthRollup,
    Notification,
    QuarantinedRating,
    Rating,
    utcnow,
)
from feedback_app.services.analytics import Selection, dashboard, scope_of
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.rollups import refresh_rollups
from feedback_app.services.stats import Period

from .factories import bearer, rating

URL = "/api/v1/ratings"


def _ratings():
    return db.session.scalars(sa.select(Rating).order_by(Rating.tapped_at)).all()


def test_single_rating_is_stored_with_tap_time_receive_time_and_answers(client, kiosk):
    device_id, token, counter = kiosk
    body = rating(4, seconds_ago=3600)
    response = client.post(URL, json=body, headers=bearer(token))
    assert response.status_code == 200, response.json
    assert response.json["results"] == [{"uuid": body["uuid"], "status": "stored"}]
    stored = _ratings()
    assert len(stored) == 1
    r = stored[0]
    assert (r.score, r.channel, r.device_id, r.counter_id, r.unit_id) == (
        4,
        "kiosk",
        device_id,
        counter.id,
        counter.unit_id,
    )
    assert abs((r.tapped_at - (utcnow() - timedelta(hours=1))).total_seconds()) < 5
    assert r.received_at > r.tapped_at + timedelta(minutes=59)
    assert db.session.scalar(sa.select(Answer.score).where(Answer.rating_id == r.id)) == 4


def test_same_uuid_same_content_is_already_stored_and_counted_once(client, kiosk):
    _, token, _ = kiosk
    body = rating(5)
    client.post(URL, json=body, headers=bearer(token))
    again = client.post(URL, json=body, headers=bearer(token))
    assert again.status_code == 200
    assert again.json["results"][0]["status"] == "already_stored"
    assert len(_ratings()) == 1


def test_same_uuid_other_content_is_a_conflict_and_never_overwrites(client, kiosk):
    _, token, _ = kiosk
    body = rating(5)
    client.post(URL, json=body, headers=bearer(token))
    changed = dict(body, answers={"overall": 1})
    response = client.post(URL, json=changed, headers=bearer(token))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"
    assert [r.score for r in _ratings()] == [5]


def test_a_uuid_reused_for_a_later_tap_is_a_conflict_kept_in_quarantine_and_the_rest_of_the_batch_is_stored(
    client, kiosk
):
    _, token, _ = kiosk
    first = rating(5, seconds_ago=600)
    client.post(URL, json=first, headers=bearer(token))
    reused = rating(1, seconds_ago=60, uuid=first["uuid"])
    fresh = rating(4, seconds_ago=30)
    response = client.post(URL, json={"ratings": [reused, fresh]}, headers=bearer(token))
    assert response.status_code == 200
    assert [(r["status"], r.get("reason")) for r in response.json["results"]] == [
        ("quarantined", "conflict"),
        ("stored", None),
    ]
    assert db.session.scalars(sa.select(QuarantinedRating.reason)).all() == ["conflict"]
    assert [(r.uuid, r.score) for r in _ratings()] == [(first["uuid"], 5), (fresh["uuid"], 4)]
    alone = client.post(URL, json=rating(2, seconds_ago=10, uuid=first["uuid"]), headers=bearer(token))
    assert alone.status_code == 409
    assert [r.score for r in _ratings()] == [5, 4]


def test_the_same_batch_sent_four_times_at_once_is_stored_once(app, kiosk):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite runs one writer at a time")
    _, token, _ = kiosk
    batch = {"ratings": [rating(5, seconds_ago=90), rating(4, seconds_ago=60), rating(1, seconds_ago=30)]}
    senders = 4
    start = threading.Barrier(senders)
    statuses: list[list[str]] = []

    def send():
        client = app.test_client()
        start.wait()
        response = client.post(URL, json=batch, headers=bearer(token))
        statuses.append([r["status"] for r in response.json["results"]] if response.status_code == 200 else [])

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(statuses) == senders and all(len(s) == 3 for s in statuses)
    for position in range(3):
        column = sorted(s[position] for s in statuses)
        assert column == ["already_stored"] * (senders - 1) + ["stored"]
    db.session.expire_all()
    assert sorted(r.uuid for r in _ratings()) == sorted(r["uuid"] for r in batch["ratings"])


def test_batch_stores_the_good_ratings_quarantines_the_bad_and_flags_a_future_tap(client, kiosk):
    _, token, _ = kiosk
    good = [rating(5, seconds_ago=300), rating(3, seconds_ago=200)]
    bad_score = rating(seconds_ago=100, answers={"overall": 7})
    unknown_question = rating(seconds_ago=90, answers={"overall": 4, "colour": "blue"})
    bad_time = rating(tapped_at="2025-01-01T10:00:00")
    future = rating(seconds_ago=-3600)
    response = client.post(
        URL,
        json={"ratings": [good[0], bad_score, unknown_question, bad_time, future, good[1]]},
        headers=bearer(token),
    )
    assert response.status_code == 200
    statuses = [(r["status"], r.get("reason")) for r in response.json["results"]]
    assert statuses == [
        ("stored", None),
        ("quarantined", "invalid"),
        ("quarantined", "invalid"),
        ("quarantined", "invalid"),
        ("stored", None),
        ("stored", None),
    ]
    assert "overall" in response.json["results"][1]["details"]
    assert "colour" in response.json["results"][2]["details"]
    assert "tapped_at" in response.json["results"][3]["details"]
    assert (response.json["stored"], response.json["quarantined"]) == (3, 3)
    flags = {r.uuid: r.tap_time_flag for r in _ratings()}
    assert flags == {good[0]["uuid"]: None, good[1]["uuid"]: None, future["uuid"]: "future"}
    kept = db.session.scalars(sa.select(QuarantinedRating).order_by(QuarantinedRating.id)).all()
    assert [q.uuid for q in kept] == [bad_score["uuid"], unknown_question["uuid"], bad_time["uuid"]]


def test_invalid_single_rating_is_refused_and_stores_nothing(client, kiosk):
    _, token, _ = kiosk
    for body in (
        rating(0),
        rating(answers={}),
        rating(tapped_at="yesterday"),
        rating(uuid="not-a-uuid"),
        rating(tapped_at="2025-01-01T10:00:00"),
        rating(answers={"overall": True}),
        rating(answers={"overall": 2, "reasons": ["bored"]}),
    ):
        response = client.post(URL, json=body, headers=bearer(token))
        assert response.status_code in (400, 422), body
        assert "error" in response.json
    assert _ratings() == []


def test_small_clock_skew_is_accepted(client, kiosk):
    _, token, _ = kiosk
    response = client.post(URL, json=rating(seconds_ago=-30), headers=bearer(token))
    assert response.json["results"][0]["status"] == "stored"


def test_unknown_or_missing_device_token_is_401(client, kiosk):
    assert client.post(URL, json=rating()).status_code == 401
    assert client.post(URL, json=rating(), headers=bearer("kiosk_nope")).status_code == 401
    assert _ratings() == []


def test_noise_flags_taps_within_five_seconds_even_out_of_order(client, kiosk):
    _, token, _ = kiosk
    base = utcnow() - timedelta(minutes=30)

    def at(seconds, score=5):
        return rating(score, tapped_at=(base + timedelta(seconds=seconds)).isoformat())

    # Arrives first: 0 s and 20 s; later, from an offline queue, 2 s and 22 s and 40 s.
    first = [at(0), at(20)]
    client.post(URL, json={"ratings": first}, headers=bearer(token))
    late = [at(40), at(22), at(2)]
    client.post(URL, json={"ratings": late}, headers=bearer(token))
    by_offset = {round((r.tapped_at - base).total_seconds()): r.is_noise for r in _ratings()}
    assert by_offset == {0: False, 2: True, 20: False, 22: True, 40: False}


def test_noise_flags_a_tap_close_after_the_last_one_sent_in_an_earlier_request(client, kiosk):
    _, token, _ = kiosk
    base = utcnow() - timedelta(minutes=30)
    for seconds in (0, 4, 10, 20, 24):
        tapped_at = (base + timedelta(seconds=seconds)).isoformat()
        client.post(URL, json=rating(tapped_at=tapped_at), headers=bearer(token))
    by_offset = {round((r.tapped_at - base).total_seconds()): r.is_noise for r in _ratings()}
    assert by_offset == {0: False, 4: True, 10: False, 20: False, 24: True}


def test_noise_flags_a_stored_rating_when_an_earlier_tap_arrives_late(client, kiosk, app):
    _, token, _ = kiosk
    base = utcnow() - timedelta(minutes=30)
    later = rating(tapped_at=(base + timedelta(seconds=3)).isoformat())
    earlier = rating(tapped_at=base.isoformat())
    client.post(URL, json=later, headers=bearer(token))
    client.post(URL, json=earlier, headers=bearer(token))
    flags = {r.uuid: r.is_noise for r in _ratings()}
    assert flags == {earlier["uuid"]: False, later["uuid"]: True}


def test_a_folded_rating_that_becomes_noise_leaves_the_roll_ups_and_is_folded_again_as_noise(client, kiosk):
    _, token, counter = kiosk
    base = utcnow() - timedelta(minutes=30)
    month = Period("month", *[int(x) for x in base.astimezone(TAIPEI).strftime("%Y %m").split()])

    def figures():
        line = dashboard(scope_of(counter.office), month, Selection(channel="kiosk")).lines[0]
        return line.current.counts, line.current.noise

    client.post(URL, json=rating(5, tapped_at=(base + timedelta(seconds=3)).isoformat()), headers=bearer(token))
    assert refresh_rollups() == 1
    assert figures() == ([0, 0, 0, 0, 1], 0)
    client.post(URL, json=rating(1, tapped_at=base.isoformat()), headers=bearer(token))
    assert figures() == ([1, 0, 0, 0, 0], 1)  # the 5 is noise now, though it was folded as valid
    assert refresh_rollups() == 2
    assert figures() == ([1, 0, 0, 0, 0], 1)
    db.session.rollback()
    folded = db.session.execute(
        sa.select(sa.func.sum(MonthRollup.n1), sa.func.sum(MonthRollup.n5), sa.func.sum(MonthRollup.noise))
    ).one()
    assert tuple(folded) == (1, 0, 1)


def test_noise_window_is_configurable(make_app, org):
    from tests.conftest import IsolatedClient

    from .factories import paired_kiosk

    app = make_app(RATING_NOISE_SECONDS=1)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _, token = paired_kiosk(db.session.merge(org.a.counters[0]))
        base = utcnow() - timedelta(minutes=5)
        batch = [rating(tapped_at=(base + timedelta(seconds=s)).isoformat()) for s in (0, 3)]
        app.test_client().post(URL, json={"ratings": batch}, headers=bearer(token))
        assert [r.is_noise for r in _ratings()] == [False, False]


def test_low_score_with_contact_and_consent_opens_a_followup_case_keeping_contact_off_the_rating(
    client, kiosk
):
    _, token, counter = kiosk
    body = rating(
        1, reasons=["wait_long", "attitude"], contact={"phone": "0912-345-678", "email": "", "consent": True}
    )
    response = client.post(URL, json=body, headers=bearer(token))
    assert response.json["results"][0]["status"] == "stored"
    case = db.session.scalars(sa.select(Case)).one()
    assert case.channel == CaseChannel.RATING_FOLLOWUP
    assert case.petitioner_phone == "0912-345-678"
    assert case.office_id == counter.office_id
    assert "等候太久" in case.description
    stored = _ratings()[0]
    assert stored.case_id == case.id
    row = db.session.execute(sa.select(Rating.__table__).where(Rating.id == stored.id)).mappings().one()
    # The whole number, as typed or as digits: "0912" alone turns up by chance in a UUID or a hash.
    assert not any(number in str(value) for value in row.values() for number in ("0912-345-678", "0912345678"))


def test_contact_without_consent_is_refused(client, kiosk):
    _, token, _ = kiosk
    body = rating(1, contact={"phone": "0912345678", "consent": False})
    response = client.post(URL, json=body, headers=bearer(token))
    assert response.status_code == 400
    assert "contact.consent" in response.json["error"]["details"]
    assert _ratings() == [] and db.session.scalars(sa.select(Case)).all() == []


def test_high_score_with_contact_opens_no_case(client, kiosk):
    _, token, _ = kiosk
    client.post(
        URL, json=rating(5, contact={"email": "a@example.tw", "consent": True}), headers=bearer(token)
    )
    assert len(_ratings()) == 1
    assert db.session.scalars(sa.select(Case)).all() == []


def test_unhappy_share_raises_one_alert_and_notifies_the_units_supervisor(client, kiosk, org):
    _, token, counter = kiosk
    batch = [rating(5, seconds_ago=300), rating(2, seconds_ago=240), rating(4, seconds_ago=180)]
    client.post(URL, json={"ratings": batch}, headers=bearer(token))
    assert db.session.scalars(sa.select(Alert)).all() == []
    client.post(URL, json=rating(1, seconds_ago=120), headers=bearer(token))
    alerts = db.session.scalars(sa.select(Alert)).all()
    assert len(alerts) == 1
    assert (alerts[0].ratings, alerts[0].unhappy, alerts[0].counter_id) == (4, 2, counter.id)
    # More unhappy ratings while the alert is open raise no second one.
    client.post(
        URL, json={"ratings": [rating(1, seconds_ago=60), rating(1, seconds_ago=30)]}, headers=bearer(token)
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 1
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == "alert")).all()
    supervisor = org.users[("AA", "supervisor")]
    assert sorted((n.channel, n.user_id) for n in notes) == [
        ("email", supervisor.id),
        ("inapp", supervisor.id),
    ]
    assert notes[0].office_id == counter.office_id


def test_alert_needs_the_minimum_number_of_ratings_and_ignores_noise_and_old_ratings(client, kiosk):
    _, token, _ = kiosk
    old = [rating(1, seconds_ago=3600), rating(1, seconds_ago=3000)]
    client.post(
        URL,
        json={"ratings": old + [rating(1, seconds_ago=100), rating(1, seconds_ago=98)]},
        headers=bearer(token),
    )
    assert db.session.scalars(sa.select(Alert)).all() == []


def test_after_acknowledging_a_new_alert_can_be_raised(client, kiosk):
    _, token, _ = kiosk
    client.post(
        URL, json={"ratings": [rating(1, seconds_ago=s) for s in (400, 300, 200, 100)]}, headers=bearer(token)
    )
    alert = db.session.scalars(sa.select(Alert)).one()
    alert.acknowledged_at = utcnow()
    db.session.commit()
    client.post(URL, json=rating(1, seconds_ago=10), headers=bearer(token))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 2


def test_api_is_described_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").json
    assert "post" in spec["paths"]["/api/v1/ratings"]
    assert "Rating" in spec["components"]["schemas"]


def test_revoked_kiosk_can_no_longer_rate(client, kiosk):
    from feedback_app.models import Device
    from feedback_app.services.devices import revoke

    device_id, token, _ = kiosk
    assert client.post(URL, json=rating(), headers=bearer(token)).status_code == 200
    revoke(db.session.get(Device, device_id))
    db.session.commit()
    response = client.post(URL, json=rating(), headers=bearer(token))
    assert response.status_code == 403
    assert len(_ratings()) == 1


def test_rate_limit_applies_per_device(make_app, org):
    from tests.conftest import IsolatedClient

    from .factories import paired_kiosk

    app = make_app(RATELIMIT_ENABLED=True, RATINGS_RATE_LIMIT="3/minute")
    app.test_client_class = IsolatedClient
    with app.app_context():
        _, token = paired_kiosk(db.session.merge(org.a.counters[0]))
        _, other = paired_kiosk(db.session.merge(org.a.counters[1]))
        client = app.test_client()
        codes = [client.post(URL, json=rating(), headers=bearer(token)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert client.post(URL, json=rating(), headers=bearer(other)).status_code == 200


def test_answers_keep_unused_columns_null(client, org):
    from feedback_app.services import qr

    body = rating(
        answers={
            "attitude": 5,
            "competence": 4,
            "waiting": 3,
            "environment": 4,
            "overall": 4,
            "reasons": ["other"],
            "comment": "好",
        }
    )
    client.post(URL, json=dict(body, survey_token=qr.counter_token(org.a.counters[0])))
    rows = db.session.execute(sa.select(Answer.score, Answer.choices, Answer.text)).all()
    assert len(rows) == 7
    assert db.session.scalar(sa.select(sa.func.count()).where(Answer.choices.is_(None))) == 6
    assert db.session.scalar(sa.select(sa.func.count()).where(Answer.text.is_not(None))) == 1
    assert db.session.scalar(sa.select(sa.func.count()).where(Answer.score.is_(None))) == 2
