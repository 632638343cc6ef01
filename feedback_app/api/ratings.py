"""POST /api/v1/ratings: kiosks and QR surveys send one rating or a batch; each is answered on its own."""

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import INCLUDE, Schema, fields

from ..extensions import csrf, limiter
from ..json_input import PER_ITEM_ENDPOINTS
from ..ratelimit import ViewLimit
from ..security import hash_token
from ..services import devices, qr
from ..services.errors import DomainError, ValidationFailed
from ..services.ratings import REJECTED, ingest, summarise

blp = Blueprint("api_ratings", __name__, description="Ratings from kiosks and QR surveys")
csrf.exempt(blp)


class ContactSchema(Schema):
    phone = fields.String(allow_none=True, metadata={"description": "Phone number for a call back"})
    email = fields.String(allow_none=True)
    consent = fields.Boolean(
        metadata={"description": "The citizen agreed to be contacted; required with contact"}
    )


class RatingSchema(Schema):
    class Meta:
        unknown = INCLUDE

    uuid = fields.UUID(
        required=True, metadata={"description": "Generated on the device; each is stored once"}
    )
    tapped_at = fields.String(
        required=True, metadata={"description": "When the citizen tapped (ISO 8601 with zone)"}
    )
    version = fields.Integer(
        metadata={
            "description": "Questionnaire version the answers were given against "
            "(default: the newest published)"
        }
    )
    locale = fields.String(metadata={"description": "zh_TW, en, vi, id or th"})
    answers = fields.Dict(
        required=True,
        metadata={
            "description": "Question code to answer: a score 1-5, an "
            "option code, a list of option codes or a text"
        },
    )
    contact = fields.Nested(
        ContactSchema,
        metadata={
            "description": "Only with a low score; opens a follow-up "
            "case and is kept on the case, never on the rating"
        },
    )


class RatingRequestSchema(Schema):
    ratings = fields.List(
        fields.Nested(RatingSchema),
        metadata={"description": "A batch (or send one rating object on its own)"},
    )
    survey_token = fields.String(
        metadata={"description": "Signed QR survey token (instead of a device token)"}
    )
    questionnaire = fields.String(
        metadata={
            "description": "A kiosk's batch: the code of the questionnaire its ratings were answered against "
            "(default: the one assigned to the kiosk's counter)"
        }
    )
    sent_at = fields.String(
        metadata={
            "description": "The device's own clock when it sends (ISO 8601 with zone): every tap time of the "
            "request is corrected by the device clock's offset to the server's, the device's time kept beside"
        }
    )


class RatingResultSchema(Schema):
    uuid = fields.String(allow_none=True)
    status = fields.String(
        metadata={
            "description": "stored, already_stored or quarantined (a batch's refused rating, kept for an "
            "admin to correct: the sender may forget it); rejected only for a single rating"
        }
    )
    reason = fields.String(metadata={"description": "conflict or invalid"})
    message = fields.String()
    details = fields.Dict()


class RatingResponseSchema(Schema):
    results = fields.List(fields.Nested(RatingResultSchema))
    stored = fields.Integer()
    already_stored = fields.Integer()
    quarantined = fields.Integer()
    rejected = fields.Integer()


def _payload() -> dict:
    # A body that is not usable JSON is refused by the request itself, with the reason.
    body = request.get_json() if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationFailed(_l('Send a JSON object: one rating, or {"ratings": [...]}.'))
    return body


def _rate_key() -> str:
    """Limit each kiosk and each QR link on its own, not the office's shared address."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "device:" + hash_token(header[7:].strip())[:32]
    body = request.get_json(silent=True)
    token = body.get("survey_token") if isinstance(body, dict) else None
    if isinstance(token, str) and token:
        return "survey:" + hash_token(token)[:32]
    return "addr:" + (request.remote_addr or "-")


# A kiosk's batch judges a lone surrogate item by item (json_input.py), so one bad rating goes to quarantine.
PER_ITEM_ENDPOINTS.add("api_ratings.post_ratings")

# Counted in the view (see ViewLimit): the extension's own bookkeeping would cost a rating more than the count.
RATINGS_LIMIT = ViewLimit("api_ratings.post_ratings", "RATINGS_RATE_LIMIT")
limiter.request_filter(RATINGS_LIMIT.exempt)


@blp.route("", methods=["POST"])
@blp.doc(
    security=[{"deviceToken": []}, {}],
    requestBody={
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/RatingRequest"},
                        {"$ref": "#/components/schemas/Rating"},
                    ]
                }
            }
        },
    },
    responses={
        "400": {"description": "Invalid request: nothing stored"},
        "401": {"description": "Unknown device token"},
        "403": {"description": "Revoked device, or a tampered survey link"},
        "409": {"description": "A single rating whose UUID holds other content"},
        "410": {"description": "One-time survey link used or expired"},
        "429": {"description": "Too many requests from this device or link"},
    },
)
@blp.response(200, RatingResponseSchema, description="One result per rating, in the order sent")
def post_ratings():
    """Store ratings from a kiosk (Authorization: Bearer device token) or a QR survey (survey_token)."""
    RATINGS_LIMIT.hit(_rate_key())
    body = _payload()
    batch = "ratings" in body
    items = (
        body["ratings"]
        if batch
        else [{k: v for k, v in body.items() if k not in ("survey_token", "sent_at", "questionnaire")}]
    )
    header = request.headers.get("Authorization", "")
    before_commit = None
    if header.lower().startswith("bearer "):
        source = devices.kiosk_source(header[7:].strip(), body.get("questionnaire"))
    elif isinstance(body.get("survey_token"), str):
        counter, record = qr.resolve(body["survey_token"], lock=True)
        if record is not None and len(items) != 1:
            raise ValidationFailed(_l("A one-time survey link takes one rating."))
        source = qr.source_for(counter, record)

        def before_commit(outcomes, record=record):
            qr.spend(record, outcomes)
    else:
        raise devices.DeviceUnauthorized(_l("Send a device token or a survey token."))
    # A batch's refused ratings are kept in quarantine (a kiosk forgets what it was answered for); a single
    # rating refused is answered with the error, for its sender to correct.
    outcomes = ingest(source, items, before_commit=before_commit, sent_at=body.get("sent_at"), quarantine=batch)
    if not batch and outcomes[0].status == REJECTED:
        outcome = outcomes[0]
        error = DomainError(
            outcome.message, code=outcome.reason, details=outcome.details or {"uuid": outcome.message}
        )
        error.status = 409 if outcome.reason == "conflict" else 400
        raise error
    # Already in the documented shape (the schema checks below prove it): sent as it is, not dumped again.
    return jsonify(summarise(outcomes))
