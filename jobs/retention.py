"""Retention: personal data of cases ended longer than RETENTION_YEARS ago is erased; statistics stay.

A case ends when it is closed (closed_at), transferred to another agency (移文) or merged as a duplicate. The last
two set no closed_at, which the indicators read as "closed by this office", so their end is the time of the
latest "transferred" or "merged" entry in the case's audit trail, a time that erasure keeps.

Erased: the petitioner's name, phone, email and address, the lookup code hash, the subject, description, reply
and every other free text that may hold personal data (notes, extension reasons, audit notes and values,
re-handling outcomes, ledger messages), and attachments' contents and names. Kept: state, outcome, dates,
channel, category, office and unit, due-date basis and scores. The log and the run record hold counts only.

Ratings keep no contact details (a low rating's follow-up case holds them), but a refused rating in quarantine
may: its contact details are erased once it was handled (or, never handled, received) before the same cut-off."""

import logging
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseNote,
    CaseState,
    Extension,
    Notification,
    RehandlingTask,
)
from feedback_app.services.quarantine import erase_contacts

log = logging.getLogger(__name__)

ERASED = "[erased after the retention period]"
FINAL_STATES = (CaseState.CLOSED, CaseState.TRANSFERRED, CaseState.MERGED)
ENDED_BY_EVENT = {CaseState.TRANSFERRED: "transferred", CaseState.MERGED: "merged"}


def cutoff(now: datetime) -> datetime:
    years = int(current_app.config.get("RETENTION_YEARS", 5))
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def _update(model, where, values) -> int:
    result = db.session.execute(
        sa.update(model).where(where).values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount


def _ended_before(before: datetime):
    """Cases that reached their final state before `before`: closed then, or transferred or merged then."""
    left = (
        sa.select(sa.func.max(CaseEvent.at))
        .where(CaseEvent.case_id == Case.id, CaseEvent.action.in_(list(ENDED_BY_EVENT.values())))
        .scalar_subquery()
    )
    return sa.or_(Case.closed_at < before, sa.and_(Case.state.in_(list(ENDED_BY_EVENT)), left < before))


def purge(now: datetime, batch: int = 500) -> dict:
    """Erase personal data of every case ended before the cut-off and not yet purged, batch by batch."""
    before = cutoff(now)
    counts = {
        "cases": 0,
        "notes": 0,
        "attachments": 0,
        "events": 0,
        "extensions": 0,
        "rehandling": 0,
        "notifications": 0,
    }
    while True:
        ids = db.session.scalars(
            sa.select(Case.id)
            .where(
                Case.state.in_(FINAL_STATES),
                _ended_before(before),
                Case.purged_at.is_(None),
            )
            .order_by(Case.id)
            .limit(batch)
        ).all()
        if not ids:
            break
        counts["notes"] += _update(CaseNote, CaseNote.case_id.in_(ids), {"body": ERASED})
        counts["attachments"] += _update(
            Attachment, Attachment.case_id.in_(ids), {"data": b"", "filename": ERASED}
        )
        counts["events"] += _update(
            CaseEvent, CaseEvent.case_id.in_(ids), {"before": None, "after": None, "note": None}
        )
        counts["extensions"] += _update(
            Extension, Extension.case_id.in_(ids), {"reason": ERASED, "decision_note": None}
        )
        counts["rehandling"] += _update(RehandlingTask, RehandlingTask.case_id.in_(ids), {"outcome": None})
        counts["notifications"] += _update(
            Notification,
            Notification.case_id.in_(ids),
            {"body": ERASED, "subject": ERASED, "recipient": None},
        )
        # Each case row through the ORM keeps its optimistic version counter honest for open edit forms.
        for case in db.session.scalars(sa.select(Case).where(Case.id.in_(ids))):
            case.petitioner_name = case.petitioner_phone = case.petitioner_email = None
            case.petitioner_address = case.lookup_code_hash = None
            case.subject = ERASED
            case.description = ERASED
            case.reply = ERASED if case.reply is not None else None
            case.purged_at = now
        counts["cases"] += len(ids)
        db.session.commit()
    counts["quarantined_contacts"] = erase_contacts(before)
    log.info(
        "retention: erased personal data of %(cases)d cases (%(notes)d notes, %(attachments)d "
        "attachments, %(events)d audit entries)",
        counts,
    )
    return {"cutoff": before.isoformat(), **counts}
