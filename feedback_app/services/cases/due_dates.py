"""Due dates recomputed when a (revised) calendar year is imported."""

from datetime import date, datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so

from ...extensions import db
from ...models import (
    CalendarImport,
    Case,
    CaseState,
    Extension,
    RehandlingTask,
    User,
)
from ..calendar import TAIPEI, WorkCalendar, due_date, end_of_day
from .rehandling import REHANDLING_WORKING_DAYS
from .workflow import record_event, touch, utc_iso


def recompute_due_dates(calendar_import: CalendarImport, actor: User | None = None) -> list[dict]:
    """After a (revised) calendar of a year is imported, recompute open cases whose due date it changes.

    Cases with an approved extension keep their extended date; the others follow their rule again. Open
    re-handling tasks are counted again from when they were opened; their changes carry the task's id."""
    year = calendar_import.year
    start = datetime.combine(date(year, 1, 1), time(0, 0), tzinfo=TAIPEI)
    end = end_of_day(date(year, 12, 31))
    extended = sa.select(Extension.case_id).where(Extension.state == "approved")
    cases = db.session.scalars(sa.select(Case).where(
        Case.state.in_(CaseState.OPEN), Case.received_at <= end, Case.due_at >= start,
        Case.id.not_in(extended)).order_by(Case.id)).all()
    note = f"calendar {year} version {calendar_import.id} ({calendar_import.source_name})"
    changes = []
    calendars: dict[int, WorkCalendar] = {}

    def calendar_from(moment: datetime) -> WorkCalendar:
        day = moment.astimezone(TAIPEI).date()
        if day.year not in calendars:
            calendars[day.year] = WorkCalendar.around(day)
        return calendars[day.year]

    for case in cases:
        rule = (case.due_basis or {}).get("rule")
        due = due_date(case.received_at, case.working_days, rule=rule, calendar=calendar_from(case.received_at))
        if due.due_at == case.due_at:
            continue
        before = {"due_at": utc_iso(case.due_at),
                  "calendar_versions": (case.due_basis or {}).get("calendar_versions")}
        case.due_at, case.due_basis = due.due_at, due.basis()
        touch(case)
        record_event(case, actor, "due_recomputed", before,
                     {"due_at": utc_iso(case.due_at), "calendar_versions": due.calendar_versions}, note=note)
        changes.append({"case": case, "number": case.number, "before": before["due_at"],
                        "after": utc_iso(due.due_at)})
    tasks = db.session.scalars(sa.select(RehandlingTask).where(
        RehandlingTask.done_at.is_(None), RehandlingTask.created_at <= end, RehandlingTask.due_at >= start,
    ).options(so.joinedload(RehandlingTask.case)).order_by(RehandlingTask.id)).all()
    for task in tasks:
        due = due_date(task.created_at, REHANDLING_WORKING_DAYS, calendar=calendar_from(task.created_at))
        if due.due_at == task.due_at:
            continue
        before = {"task_id": task.id, "due_at": utc_iso(task.due_at)}
        task.due_at = due.due_at
        record_event(task.case, actor, "rehandling_due_recomputed", before,
                     {"task_id": task.id, "due_at": utc_iso(task.due_at), "calendar_versions": due.calendar_versions},
                     note=note)
        changes.append({"case": task.case, "number": task.case.number, "task_id": task.id,
                        "before": before["due_at"], "after": utc_iso(due.due_at)})
    return changes
