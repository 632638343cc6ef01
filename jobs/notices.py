"""Notices to petitioners sent from the schedule: the link to rate the reply after closing.

The acknowledgement, the reply and an approved extension are queued by the case services in the same
transaction as the change itself (keys case:{id}:ack, case:{id}:reply:…, case:{id}:extension:…), held like
these for the next office moment, so they are not queued here. Closed cases are looked for over a recent window
(JOBS_NOTICE_WINDOW_DAYS), so a case closed years ago is never written to."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import Case, CaseState
from feedback_app.services import notify
from feedback_app.services.calendar import next_office_moment

from .messages import Texts


def rating_link(number: str) -> str:
    path = current_app.config.get("PETITIONER_RATING_PATH", "/lookup?number={number}").format(number=number)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def petitioner_notices(now: datetime) -> dict:
    since = now - timedelta(days=current_app.config.get("JOBS_NOTICE_WINDOW_DAYS", 14))
    texts = Texts()
    locale = None
    not_before = next_office_moment(now)
    messages = []

    def add(key, kind, case_id, office_id, email, subject, body, link=None):
        messages.append(
            {
                "key": key,
                "channel": "email",
                "kind": kind,
                "subject": subject,
                "body": body,
                "recipient": email,
                "office_id": office_id,
                "case_id": case_id,
                "link": link,
                "not_before": not_before,
            }
        )

    with_email = (Case.petitioner_email.is_not(None), Case.petitioner_email != "", Case.purged_at.is_(None))
    for case_id, number, office_id, email in db.session.execute(
        sa.select(Case.id, Case.number, Case.office_id, Case.petitioner_email).where(
            Case.state == CaseState.CLOSED, Case.closed_at >= since, *with_email
        )
    ):
        link = rating_link(number)
        add(
            f"case:{case_id}:rating:email",
            "petitioner-rating",
            case_id,
            office_id,
            email,
            texts.subject(locale, "petitioner-rating", number=number),
            texts.body(locale, "petitioner-rating", number=number, link=link),
            link,
        )
    queued = notify.queue_many(messages)
    db.session.commit()
    return {"queued": queued, "considered": len(messages)}
