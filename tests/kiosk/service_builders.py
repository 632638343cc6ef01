"""Builders for questionnaires per service: a service, its questionnaire drafted, worded and published."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Rating, Service
from feedback_app.services import questionnaires, service_questionnaires


def published_for_service(org, *, service_code="registration", service_name="戶籍登記", code="kiosk_registration",
                          kind="kiosk", overall="您對今天辦理戶籍登記的服務滿意嗎？"):
    """A published questionnaire made for a service (made if new), its overall question worded anew; returns
    (questionnaire, version)."""
    admin = org.users[("TPE", "admin")]
    service = db.session.scalar(sa.select(Service).where(Service.city_id == org.tpe.id, Service.code == service_code))
    if service is None:
        service = service_questionnaires.create_service(admin, code=service_code, names={"zh_TW": service_name})
    draft = service_questionnaires.create_questionnaire(
        admin, code=code, kind=kind, names={"zh_TW": f"{service_name}問卷", "en": "Survey"}, service_id=service.id
    )
    db.session.commit()
    questionnaires.update_texts(admin, draft.id, {("overall", None, "zh_TW"): overall, ("overall", None, "en"): "EN?"})
    version = questionnaires.publish(admin, draft.id)
    return version.questionnaire, version


def assign(org, counter, *, kiosk=None, qr=None):
    service_questionnaires.assign(
        org.users[("TPE", "admin")],
        counter.id,
        kiosk_questionnaire_id=kiosk.id if kiosk else None,
        qr_questionnaire_id=qr.id if qr else None,
    )
    db.session.commit()


def stored(uuid: str) -> Rating:
    db.session.expire_all()
    return db.session.scalar(sa.select(Rating).where(Rating.uuid == uuid))
