"""Builders for kiosk and survey tests."""

import uuid
from datetime import timedelta

from feedback_app.extensions import db
from feedback_app.models import Counter, utcnow
from feedback_app.services import devices


def paired_kiosk(counter: Counter, *, paired_days_ago: int = 30) -> tuple[int, str]:
    """A kiosk registered and paired for the counter (a month ago, so that the taps the tests send from the last
    hours are plausible); returns its id and its bearer token."""
    device, code = devices.register_device(counter)
    device, token = devices.pair(code)
    device.paired_at = utcnow() - timedelta(days=paired_days_ago)
    db.session.commit()
    return device.id, token


def rating(score=5, *, seconds_ago=600, reasons=None, contact=None, **extra) -> dict:
    """One kiosk rating as the kiosk sends it."""
    answers = {"overall": score}
    if reasons:
        answers["reasons"] = reasons
    body = {
        "uuid": str(uuid.uuid4()),
        "tapped_at": (utcnow() - timedelta(seconds=seconds_ago)).isoformat(),
        "locale": "zh_TW",
        "answers": answers,
    }
    if contact:
        body["contact"] = contact
    body.update(extra)
    return body


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def publish_version(org, code: str = "kiosk", *, remove: str | None = "other", add: tuple[str, str] | None = None):
    """A new published version of a TPE questionnaire: a reason removed and one added; returns its number."""
    import sqlalchemy as sa

    from feedback_app.models import Questionnaire
    from feedback_app.services import questionnaires

    admin = org.users[("TPE", "admin")]
    questionnaire = db.session.scalars(
        sa.select(Questionnaire).where(Questionnaire.city_id == org.tpe.id, Questionnaire.code == code)
    ).one()
    draft = questionnaires.new_draft(admin, questionnaire.id)
    if remove:
        questionnaires.remove_option(admin, draft.id, "reasons", remove)
    if add:
        questionnaires.add_option(admin, draft.id, "reasons", code=add[0], text=add[1])
    return questionnaires.publish(admin, draft.id).version


def device_clock(offset: timedelta) -> str:
    """A device's clock reading now, when it runs `offset` ahead of the true time (negative: behind)."""
    return (utcnow() + offset).isoformat()
