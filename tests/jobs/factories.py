"""Builders for the jobs tests: cases with due dates on chosen Taipei days."""

from datetime import date, datetime, time

from feedback_app.extensions import db
from feedback_app.models import Case, CaseState, Extension, RehandlingTask
from feedback_app.services.calendar import TAIPEI, end_of_day

_counter = {"n": 0}


def taipei(day: date, hour: int = 8, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TAIPEI)


def make_case(
    office,
    *,
    due: date,
    received: date | None = None,
    assignee=None,
    state=CaseState.ASSIGNED,
    number: str | None = None,
    **fields,
) -> Case:
    _counter["n"] += 1
    case = Case(
        number=number or f"{office.code}-T{_counter['n']:05d}",
        city_id=office.city_id,
        office_id=office.id,
        unit_id=office.units[0].id if office.units else None,
        assignee_id=assignee.id if assignee else None,
        channel="email",
        subject="路燈不亮",
        description="陳情人王小明說明的內容",
        received_at=taipei(received or due, 9, 0),
        due_at=end_of_day(due),
        working_days=6,
        state=state if assignee or state != CaseState.ASSIGNED else CaseState.RECEIVED,
        **fields,
    )
    db.session.add(case)
    db.session.flush()
    return case


def make_extension(
    case: Case,
    requested_by,
    *,
    requested: date,
    state="pending",
    new_due: date | None = None,
    reason="需會辦其他機關",
    decided: datetime | None = None,
) -> Extension:
    extension = Extension(
        case_id=case.id,
        requested_by_id=requested_by.id,
        requested_at=taipei(requested, 10),
        reason=reason,
        old_due_at=case.due_at,
        new_due_at=end_of_day(new_due or requested),
        state=state,
        decided_at=decided,
    )
    db.session.add(extension)
    db.session.flush()
    return extension


def make_rehandling(case: Case, assignee, *, due: date) -> RehandlingTask:
    task = RehandlingTask(
        case_id=case.id,
        office_id=case.office_id,
        unit_id=case.unit_id,
        assignee_id=assignee.id if assignee else None,
        due_at=end_of_day(due),
    )
    db.session.add(task)
    db.session.flush()
    return task
