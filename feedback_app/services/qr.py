"""QR survey links: a signed link per counter (for posters) and one-time links for a single transaction."""

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..links import public_url
from ..models import Channel, Counter, QrToken, utcnow
from .errors import DomainError, ValidationFailed
from .ratings import Source
from .service_questionnaires import onetime_questionnaire, qr_code

SALT = "counter-feedback.survey-link"


class InvalidSurveyLink(DomainError):
    status = 403
    code = "invalid_link"
    default_message = _l("This survey link is not valid.")


class SurveyLinkUsed(DomainError):
    status = 410
    code = "link_used"
    default_message = _l("This survey link was already used or has expired. Thank you!")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def counter_token(counter: Counter) -> str:
    """The signed token of a counter's poster link: pointing it at another counter breaks it."""
    return _serializer().dumps({"c": counter.id})


def mint_onetime(
    counter: Counter, created_by_id: int | None = None, days: int | None = None, questionnaire_id=None
) -> tuple[QrToken, str]:
    """A one-time survey link for one transaction: expires (default 3 days) and takes one submission; it asks
    the questionnaire of the transaction's service when one is chosen, else the counter's."""
    if counter is None or not counter.open_for_ratings:
        raise ValidationFailed(details={"counter": str(_l("Unknown or inactive counter."))})
    days = days if days is not None else current_app.config.get("QR_ONETIME_DAYS", 3)
    if not 1 <= days <= 90:
        raise ValidationFailed(details={"days": str(_l("Between 1 and 90 days."))})
    jti = secrets.token_hex(16)
    record = QrToken(
        office_id=counter.office_id,
        counter_id=counter.id,
        jti=jti,
        expires_at=utcnow() + timedelta(days=days),
        created_by_id=created_by_id,
        questionnaire_id=onetime_questionnaire(counter, questionnaire_id),
    )
    db.session.add(record)
    db.session.flush()
    return record, _serializer().dumps({"c": counter.id, "j": jti})


def survey_url(token: str) -> str:
    return public_url(f"/s/{token}")


def resolve(token: str, *, lock: bool = False) -> tuple[Counter, QrToken | None]:
    """The counter (and one-time record) a signed token stands for; refuses tampered, used, expired links."""
    try:
        data = _serializer().loads(token or "")
    except BadSignature:
        raise InvalidSurveyLink() from None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise InvalidSurveyLink()
    counter = db.session.get(Counter, data["c"])
    if counter is None or not counter.open_for_ratings:
        raise InvalidSurveyLink()
    record = None
    if "j" in data:
        stmt = sa.select(QrToken).where(QrToken.jti == str(data["j"]), QrToken.counter_id == counter.id)
        record = db.session.scalar(stmt.with_for_update() if lock else stmt)
        if record is None:
            raise InvalidSurveyLink()
        if record.used_at is not None or record.expires_at <= utcnow():
            raise SurveyLinkUsed()
    return counter, record


def source_for(counter: Counter, record: QrToken | None) -> Source:
    return Source(
        channel=Channel.ONETIME_QR if record else Channel.COUNTER_QR,
        city_id=counter.office.city_id,
        office_id=counter.office_id,
        unit_id=counter.unit_id,
        counter_id=counter.id,
        questionnaire_code=qr_code(counter, record),
        qr_token_id=record.id if record else None,
    )


def spend(record: QrToken | None, outcomes) -> None:
    """A one-time link is spent once a rating was stored through it."""
    if record is not None and any(o.status == "stored" for o in outcomes):
        record.used_at = utcnow()
