"""Notices to petitioners sent from the schedule: the overdue notice (the due date passed with no reply and no
approved extension: why, and when to expect a reply) and the link to rate the reply after closing, each once,
in the petitioner's language and held for the next office moment.

The acknowledgement, the reply, an approved extension, a transfer to another agency and a merge are queued by
the case services in the same transaction as the change itself (keys case:{id}:ack, case:{id}:reply:…,
case:{id}:extension:…, case:{id}:transfer:…, case:{id}:merged:…), held like these for the next office moment, so
they are not queued here. Cases are looked for over a recent window (JOBS_NOTICE_WINDOW_DAYS) of closing or of
due date, so a case closed or overdue years ago is never written to."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.links import public_url
from feedback_app.models import Case, CaseState
from feedback_app.services import notify
from feedback_app.services.calendar import next_office_moment
from feedback_app.services.cases import PETITIONER_LANGUAGES, tell_overdue_petitioners
from feedback_app.services.cases.petitioner_texts import office_language, text


def rating_link(number: str) -> str:
    path = current_app.config.get("PETITIONER_RATING_PATH", "/lookup?number={number}").format(number=number)
    return public_url(path)


def rating_notices(cases, now: datetime) -> list[dict]:
    """The rating-link mail for each closed case given as (id, number, office id, email, language), held for the
    next office moment, as `notify.queue_many` takes them."""
    not_before = next_office_moment(now)
    default = office_language()
    messages = []
    for case_id, number, office_id, email, language in cases:
        lang = language if language in PETITIONER_LANGUAGES else default
        link = rating_link(number)
        messages.append(
            {
                "key": f"case:{case_id}:rating:email",
                "channel": "email",
                "kind": "petitioner-rating",
                "subject": text("rating_subject", lang, number=number),
                "body": text("rating_body", lang, number=number, link=link),
                "recipient": email,
                "office_id": office_id,
                "case_id": case_id,
                "link": link,
                "not_before": not_before,
            }
        )
    return messages


def rating_notice_candidates(since: datetime, *where) -> sa.Select:
    """Closed cases since the given time whose petitioner left an email, as `rating_notices` takes them."""
    return sa.select(Case.id, Case.number, Case.office_id, Case.petitioner_email, Case.petitioner_locale).where(
        Case.state == CaseState.CLOSED, Case.closed_at >= since, Case.petitioner_email.is_not(None),
        Case.petitioner_email != "", Case.purged_at.is_(None), *where
    )


def petitioner_notices(now: datetime) -> dict:
    window = current_app.config.get("JOBS_NOTICE_WINDOW_DAYS", 14)
    overdue = tell_overdue_petitioners(now, window)
    messages = rating_notices(db.session.execute(rating_notice_candidates(now - timedelta(days=window))), now)
    queued = notify.queue_many(messages)
    db.session.commit()
    return {"queued": queued + overdue, "considered": len(messages), "overdue": overdue}
