"""A revised calendar moves the due dates of open cases that follow their rule, and says so in the trail."""

from datetime import date

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, CaseEvent, CaseOutcome, RehandlingTask
from feedback_app.services import cases as svc
from feedback_app.services.calendar import TAIPEI, due_date, import_calendar

from .conftest import CALENDARS
from .factories import assigned, make_case, replied, taipei

REVISED = "2025-revised-2025-10-20-big5.csv"


def _local_due(case) -> date:
    db.session.expire_all()
    return db.session.get(Case, case.id).due_at.astimezone(TAIPEI).date()


def _import(name):
    record = import_calendar((CALENDARS / name).read_bytes(), name, imported_by="test")
    changes = svc.recompute_due_dates(record)
    db.session.commit()
    return record, changes


def test_revised_calendar_moves_the_due_date_over_the_new_holidays(org, users, calendar_2025):
    # Received Thu 2025-09-25: first published, day 6 is Fri 10/3; revised, 9/29 is 補假 so day 6 is Tue 10/7
    # (10/6 is 中秋節 in both).
    case, _ = make_case(org.a, received_at=taipei(2025, 9, 25, 14, 0))
    assert _local_due(case) == date(2025, 10, 3)
    version_before = db.session.get(Case, case.id).version
    record, changes = _import(REVISED)
    assert [c["number"] for c in changes] == [case.number]
    assert _local_due(case) == date(2025, 10, 7)
    fresh = db.session.get(Case, case.id)
    assert fresh.version == version_before + 1
    assert fresh.due_basis["calendar_versions"]["2025"] == record.id
    assert {"date": "2025-09-29", "reason": "補假"} in fresh.due_basis["skipped"]
    event = db.session.scalar(
        sa.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "due_recomputed")
    )
    assert event.before["due_at"].startswith("2025-10-03T15:59:59")
    assert event.after["due_at"].startswith("2025-10-07T15:59:59")
    assert event.after["calendar_versions"]["2025"] == record.id
    assert f"version {record.id}" in event.note


def test_recompute_leaves_unaffected_closed_and_extended_cases_alone(org, users, calendar_2025):
    untouched, _ = make_case(org.a, received_at=taipei(2025, 3, 3, 9, 0))
    closed, _ = make_case(org.a, received_at=taipei(2025, 9, 25, 9, 0))
    replied(closed, users["supervisor"], users["officer"])
    svc.close_case(closed, users["officer"], closed.version, CaseOutcome.RESOLVED)
    extended, _ = make_case(org.a, received_at=taipei(2025, 9, 25, 9, 0))
    assigned(extended, users["supervisor"], users["officer"])
    extension = svc.request_extension(
        extended, users["officer"], extended.version, "需會勘", date(2025, 10, 15)
    )
    svc.decide_extension(extension, users["supervisor"], extended.version, True)
    db.session.commit()
    before = {c.id: _local_due(c) for c in (untouched, closed, extended)}
    _, changes = _import(REVISED)
    assert changes == []
    assert {c.id: _local_due(c) for c in (untouched, closed, extended)} == before
    assert _local_due(extended) == date(2025, 10, 15)


def test_reimporting_the_same_calendar_changes_nothing(org, calendar_2025):
    make_case(org.a, received_at=taipei(2025, 9, 25, 14, 0))
    _import(REVISED)
    _, changes = _import(REVISED)
    assert changes == []


def test_calendar_import_command_recomputes_and_reports_the_changes(runner, org, calendar_2025):
    case, _ = make_case(org.a, received_at=taipei(2025, 10, 22, 9, 0))
    # First published: 10/23(1) 10/24(2) 10/27(3) ... 10/30(6); revised, 10/24 is 補假: due 10/31.
    assert _local_due(case) == date(2025, 10, 30)
    result = runner.invoke(args=["calendar", "import", str(CALENDARS / REVISED)])
    assert result.exit_code == 0, result.output
    assert f"case {case.number}: due 2025-10-30T15:59:59" in result.output
    assert "1 open case(s) got a new due date." in result.output
    assert _local_due(case) == date(2025, 10, 31)


def _rehandling_task(org, users, opened_at):
    """A re-handling task opened at opened_at (a reply rated 1), due as the calendar then in force said."""
    case, _ = make_case(org.a, received_at=taipei(2025, 9, 1, 9, 0))
    replied(case, users["supervisor"], users["officer"])
    task = svc.rate_reply(case, 1)
    task.created_at = opened_at
    task.due_at = due_date(opened_at, svc.REHANDLING_WORKING_DAYS).due_at
    db.session.commit()
    return case, task


def test_revised_calendar_moves_open_rehandling_tasks_and_leaves_done_ones(org, users, calendar_2025):
    # Opened Fri 2025-09-26: first published, 3 working days end Wed 10/1; revised, 9/29 is 補假: Thu 10/2.
    case, task = _rehandling_task(org, users, taipei(2025, 9, 26, 10, 0))
    _, done = _rehandling_task(org, users, taipei(2025, 9, 26, 11, 0))
    done.done_at, done.outcome = taipei(2025, 9, 29, 9, 0), "已致電說明"
    db.session.commit()
    assert db.session.get(RehandlingTask, task.id).due_at.astimezone(TAIPEI).date() == date(2025, 10, 1)
    record, changes = _import(REVISED)
    assert [(c["number"], c.get("task_id")) for c in changes if "task_id" in c] == [(case.number, task.id)]
    db.session.expire_all()
    assert db.session.get(RehandlingTask, task.id).due_at.astimezone(TAIPEI).date() == date(2025, 10, 2)
    assert db.session.get(RehandlingTask, done.id).due_at.astimezone(TAIPEI).date() == date(2025, 10, 1)
    event = db.session.scalar(sa.select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "rehandling_due_recomputed"))
    assert event.before == {"task_id": task.id, "due_at": event.before["due_at"]}
    assert event.before["due_at"].startswith("2025-10-01T15:59:59")
    assert event.after["due_at"].startswith("2025-10-02T15:59:59")
    assert f"version {record.id}" in event.note
    _, again = _import(REVISED)
    assert again == []


def test_calendar_import_command_reports_rehandling_tasks(runner, org, users, calendar_2025):
    case, _ = _rehandling_task(org, users, taipei(2025, 9, 26, 10, 0))
    result = runner.invoke(args=["calendar", "import", str(CALENDARS / REVISED)])
    assert result.exit_code == 0, result.output
    assert f"case {case.number} re-handling: due 2025-10-01T15:59:59" in result.output
    assert "1 open re-handling task(s) got a new due date." in result.output
