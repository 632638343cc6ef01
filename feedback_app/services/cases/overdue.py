"""The petitioner is told when the due date passed with no reply (行政程序法 §51's spirit): why, and by when to
expect a reply. Once per case, through the ledger key case:{id}:overdue; the scheduled petitioner notices call it."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...models import Case, CaseState, Extension, Notification
from ..calendar import TAIPEI, WorkCalendar
from .petitioner import tell_overdue
from .workflow import record_event

# Not yet replied: a replied case has met its due date, whatever happens to it after.
UNREPLIED = (CaseState.RECEIVED, CaseState.ASSIGNED, CaseState.IN_PROGRESS, CaseState.REOPENED)
KIND = "overdue"


def overdue_unnoticed(now: datetime, since: datetime, *where) -> sa.Select:
    """Cases whose due date passed between `since` and `now` with no reply and no approved extension, whose
    petitioner left an email and has not been told yet (and that meet `where`)."""
    approved = sa.select(Extension.id).where(Extension.case_id == Case.id, Extension.state == "approved")
    told = sa.select(Notification.id).where(Notification.case_id == Case.id, Notification.kind == KIND)
    return sa.select(Case).where(
        Case.state.in_(UNREPLIED), Case.due_at < now, Case.due_at >= since, Case.petitioner_email.is_not(None),
        Case.petitioner_email != "", Case.purged_at.is_(None), ~approved.exists(), ~told.exists(), *where
    ).order_by(Case.due_at, Case.id)


def expected_reply(case: Case, today: date, calendar: WorkCalendar) -> tuple[str | None, date]:
    """The reason and date to tell: those of an extension request still waiting for a decision, else the
    general reason and CASE_OVERDUE_EXPECTED_WORKING_DAYS working days from today."""
    pending = db.session.scalar(sa.select(Extension).where(Extension.case_id == case.id,
                                                           Extension.state == "pending").order_by(Extension.id))
    if pending is not None and pending.new_due_at.astimezone(TAIPEI).date() > today:
        return pending.reason, pending.new_due_at.astimezone(TAIPEI).date()
    days = int(current_app.config.get("CASE_OVERDUE_EXPECTED_WORKING_DAYS", 5))
    return None, calendar.add_working_days(today, days)[0]


def tell_overdue_petitioners(now: datetime, window_days: int, *where) -> int:
    """Queue the overdue notice of each case that needs one (of those that meet `where`), held for office hours;
    returns how many."""
    today = now.astimezone(TAIPEI).date()
    calendar = WorkCalendar(today.year, today.year + 1)
    queued = 0
    for case in db.session.scalars(overdue_unnoticed(now, now - timedelta(days=window_days), *where)):
        reason, expected = expected_reply(case, today, calendar)
        if tell_overdue(case, reason, expected.isoformat(), now, calendar):
            record_event(case, None, "petitioner_told_overdue", None,
                         {"reason": reason, "expected_date": expected.isoformat()})
            queued += 1
    return queued
