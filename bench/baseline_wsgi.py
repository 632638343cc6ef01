"""The app as production runs it plus one benchmark-only route that inserts rating rows with plain SQL.

Only bench/ratings_ingest.py serves this module; wsgi.py (what production runs) never has the route."""

import hashlib
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, request

from feedback_app.extensions import csrf, db
from wsgi import app

baseline = Blueprint("bench_baseline", __name__)
csrf.exempt(baseline)

DEVICE = sa.text(
    "SELECT d.id, d.office_id, d.counter_id, c.unit_id FROM devices d JOIN counters c ON c.id = d.counter_id "
    "WHERE d.token_hash = :h AND d.revoked_at IS NULL"
)
RATING = sa.text(
    "INSERT INTO ratings (uuid, office_id, unit_id, counter_id, device_id, questionnaire_version_id, "
    "channel, tapped_at, received_at, score, locale, is_noise, content_hash, rolled_up) "
    "VALUES (:uuid, :office, :unit, :counter, :device, :version, 'kiosk', :tapped, :received, :score, "
    ":locale, false, :hash, false) RETURNING id"
)
ANSWER = sa.text("INSERT INTO answers (rating_id, question_id, score) VALUES (:rating, :question, :score)")


@baseline.post("/bench/baseline-ratings")
def baseline_ratings():
    """The rows POST /api/v1/ratings stores for a kiosk rating, without validation, noise or alerts."""
    header = request.headers.get("Authorization", "")
    token_hash = hashlib.sha256(header[7:].strip().encode()).hexdigest()
    body = request.get_json()
    with db.engine.begin() as conn:
        device = conn.execute(DEVICE, {"h": token_hash}).one_or_none()
        if device is None:
            abort(401)
        rating_id = conn.execute(
            RATING,
            {
                "uuid": str(uuid.UUID(body["uuid"])),
                "office": device.office_id,
                "unit": device.unit_id,
                "counter": device.counter_id,
                "device": device.id,
                "version": body["version_id"],
                "tapped": datetime.fromisoformat(body["tapped_at"]),
                "received": datetime.now(UTC),
                "score": body["answers"]["overall"],
                "locale": body.get("locale"),
                "hash": "0" * 64,
            },
        ).scalar_one()
        conn.execute(
            ANSWER,
            {"rating": rating_id, "question": body["question_id"], "score": body["answers"]["overall"]},
        )
    return jsonify({"results": [{"uuid": body["uuid"], "status": "stored"}]})


app.register_blueprint(baseline)
