"""POST /kiosk/sex-age: a kiosk's answers to the optional sex and age step, attached to its stored ratings."""

from flask import jsonify, request

from feedback_app.extensions import csrf, db
from feedback_app.services import devices, kiosk_sex_age

from . import bp


@bp.post("/sex-age")
@csrf.exempt  # a device token in the header, never a cookie: nothing for a forged form to ride on
def sex_age():
    """{"answers": [{"uuid", "sex", "age_group"}]} with the device token; one final result per answer."""
    header = request.headers.get("Authorization", "")
    device = devices.device_for_token(header[7:].strip() if header.lower().startswith("bearer ") else None)
    body = request.get_json(silent=True) if request.is_json else None
    results = kiosk_sex_age.attach(device.id, body.get("answers") if isinstance(body, dict) else None)
    db.session.commit()
    return jsonify({"results": results})
