"""電話禮貌測試: recording test calls, the follow-up a test opens, the quarter's plan and the results.

Scoring is pass / fail per item (what the plans' checklists use), with "not applicable" for the two items a call
may never reach (a transfer, a promised call-back). A test passes when no item failed; a failed test always
needs follow-up, and the tester may ask for one on a passing test too (a borderline call).
"""

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Office, PhoneFollowup, PhoneTest, PhoneTestPlan, Role, Unit, User, utcnow
from ..models.phone_tests import PHONE_NOTE_MAX
from . import stats
from .access import can_access_office, ensure_access, require_role, visible_office_ids
from .calendar import due_date
from .errors import AccessDenied, NotFound, ValidationFailed
from .stats import Period

# The items the plans score, in the order a tester meets them on the call.
ITEMS = ("three_rings", "greeting", "attitude", "clear_answer", "transfer", "callback")
ITEM_LABELS = {
    "three_rings": _l("Answered within three rings"),
    "greeting": _l("Greeting with unit and name"),
    "attitude": _l("Attitude"),
    "clear_answer": _l("Clear and correct answer"),
    "transfer": _l("Transfer handled without loss"),
    "callback": _l("Call-back when promised"),
}
# Items a call may not reach: "not applicable" is a valid score for these only.
OPTIONAL_ITEMS = ("transfer", "callback")
PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "na"
RESULT_LABELS = {PASS: _l("Pass"), FAIL: _l("Fail"), NOT_APPLICABLE: _l("Not applicable")}
RECORDERS = (Role.MONITOR, Role.DIRECTOR)
READERS = (Role.SUPERVISOR, Role.MONITOR, Role.DIRECTOR, Role.ADMIN)
TESTER_MAX = 64
EXTENSION = re.compile(r"^[0-9]{1,6}$")
PLANNED_MAX = 200
# Working days a unit's supervisor has to act on a test that needs follow-up (PHONE_FOLLOWUP_WORKING_DAYS).
FOLLOWUP_WORKING_DAYS = 5


@dataclass
class PhoneTestInput:
    unit_id: int | None
    called_at: datetime | None  # aware
    tester: str | None
    scores: dict
    extension: str | None = None
    note: str | None = None
    needs_followup: bool = False


def test_passes(scores: dict) -> bool:
    """A test passes when none of its items failed."""
    return all(scores.get(item) != FAIL for item in ITEMS)


def _check(data: PhoneTestInput, actor: User, now: datetime) -> tuple[Unit, dict]:
    errors: dict[str, str] = {}
    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if unit is None or not can_access_office(actor, unit.office_id):
        errors["unit_id"] = str(_l("Choose a unit of one of your offices."))
    elif not (unit.active and unit.office.active):
        errors["unit_id"] = str(_l("This unit is closed."))
    if data.called_at is None:
        errors["called_at"] = str(_l("Give the date and time of the call."))
    elif data.called_at > now:
        errors["called_at"] = str(_l("The call cannot be in the future."))
    tester = (data.tester or "").strip()
    if not tester:
        errors["tester"] = str(_l("Name the tester."))
    elif len(tester) > TESTER_MAX:
        errors["tester"] = str(_l("At most %(n)d characters.", n=TESTER_MAX))
    extension = (data.extension or "").strip()
    if extension and not EXTENSION.match(extension):
        errors["extension"] = str(_l("An extension is 1 to 6 digits."))
    scores = {}
    for item in ITEMS:
        value = (data.scores or {}).get(item)
        allowed = (PASS, FAIL, NOT_APPLICABLE) if item in OPTIONAL_ITEMS else (PASS, FAIL)
        if value not in allowed:
            errors[item] = str(
                _l("Score this item pass or fail, or not applicable.")
                if item in OPTIONAL_ITEMS
                else _l("Score this item pass or fail.")
            )
        scores[item] = value
    if data.note and len(data.note) > PHONE_NOTE_MAX:
        errors["note"] = str(_l("At most %(n)d characters.", n=PHONE_NOTE_MAX))
    if errors:
        raise ValidationFailed(_l("The phone test was not recorded; nothing changed."), details=errors)
    return unit, scores


def record_test(data: PhoneTestInput, actor: User, now: datetime | None = None) -> PhoneTest:
    """Record one test call; a failed test, or one the tester marks, opens a follow-up for the unit's supervisor."""
    require_role(actor, *RECORDERS)
    now = now or utcnow()
    unit, scores = _check(data, actor, now)
    passed = test_passes(scores)
    test = PhoneTest(
        office_id=unit.office_id,
        unit_id=unit.id,
        called_at=data.called_at,
        extension=(data.extension or "").strip() or None,
        tester=data.tester.strip(),
        scores=scores,
        passed=passed,
        note=(data.note or "").strip() or None,
        needs_followup=bool(data.needs_followup) or not passed,
        recorded_by_id=actor.id,
        created_at=now,
    )
    db.session.add(test)
    db.session.flush()
    if test.needs_followup:
        open_followup(test, now)
    return test


def unit_supervisor(office_id: int, unit_id: int) -> User | None:
    """The active supervisor of the unit, else the office's first active supervisor."""
    base = sa.select(User).where(User.active.is_(True), User.role == Role.SUPERVISOR, User.office_id == office_id)
    return db.session.scalar(base.where(User.unit_id == unit_id).order_by(User.id)) or db.session.scalar(
        base.order_by(User.id)
    )


def followup_working_days() -> int:
    return int(current_app.config.get("PHONE_FOLLOWUP_WORKING_DAYS", FOLLOWUP_WORKING_DAYS))


def open_followup(test: PhoneTest, now: datetime) -> PhoneFollowup:
    """A follow-up task due at the end of the Nth working day after today, by the office calendar."""
    due = due_date(now, followup_working_days(), rule="phone-followup")
    supervisor = unit_supervisor(test.office_id, test.unit_id)
    task = PhoneFollowup(
        test_id=test.id,
        office_id=test.office_id,
        unit_id=test.unit_id,
        assignee_id=supervisor.id if supervisor else None,
        created_at=now,
        due_date=due.due_date,
        due_at=due.due_at,
    )
    db.session.add(task)
    db.session.flush()
    return task


def complete_followup(task: PhoneFollowup, actor: User, outcome: str | None, now: datetime | None = None) -> None:
    """The supervisor (or 研考, or the director) records what was done; the chase stops."""
    ensure_access(actor, task)
    own_unit = actor.id == task.assignee_id or actor.unit_id in (None, task.unit_id)
    supervisor = actor.role == Role.SUPERVISOR and own_unit
    if not (supervisor or actor.role in (Role.MONITOR, Role.DIRECTOR)):
        raise AccessDenied()
    if task.done_at is not None:
        raise ValidationFailed(_l("This follow-up is already done."), code="already_done")
    text = (outcome or "").strip()
    if not text:
        raise ValidationFailed(details={"outcome": str(_l("Say what was done."))})
    if len(text) > PHONE_NOTE_MAX:
        raise ValidationFailed(details={"outcome": str(_l("At most %(n)d characters.", n=PHONE_NOTE_MAX))})
    task.outcome = text
    task.done_at = now or utcnow()
    db.session.flush()


def get_test(test_id: int, actor: User) -> PhoneTest:
    require_role(actor, *READERS)
    test = db.session.get(PhoneTest, test_id)
    if test is None:
        raise NotFound()
    return ensure_access(actor, test)


def tests_in(office_ids: list[int], period: Period) -> list[PhoneTest]:
    if not office_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(PhoneTest)
            .where(
                PhoneTest.office_id.in_(office_ids),
                PhoneTest.called_at >= period.start_utc,
                PhoneTest.called_at < period.end_utc,
            )
            .order_by(PhoneTest.called_at.desc(), PhoneTest.id.desc())
        )
    )


# --- plans ---


def save_plan(actor: User, unit_id: int | None, period: Period, planned: int | None) -> PhoneTestPlan:
    """Set how many tests a unit is to get in a quarter (0 removes it from the plan's progress)."""
    require_role(actor, *RECORDERS)
    errors = {}
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or not can_access_office(actor, unit.office_id):
        errors["unit_id"] = str(_l("Choose a unit of one of your offices."))
    if period.kind != "quarter":
        errors["period"] = str(_l("A plan is set per quarter."))
    if planned is None or not 0 <= planned <= PLANNED_MAX:
        errors["planned"] = str(_l("Between 0 and %(n)d tests.", n=PLANNED_MAX))
    if errors:
        raise ValidationFailed(_l("The plan was not saved; nothing changed."), details=errors)
    plan = db.session.scalar(
        sa.select(PhoneTestPlan).where(
            PhoneTestPlan.unit_id == unit.id, PhoneTestPlan.year == period.year, PhoneTestPlan.quarter == period.index
        )
    )
    if plan is None:
        plan = PhoneTestPlan(office_id=unit.office_id, unit_id=unit.id, year=period.year, quarter=period.index)
        db.session.add(plan)
    plan.planned = planned
    db.session.flush()
    return plan


def _quarters_in(period: Period) -> list[Period]:
    """The quarters a period is made of; none for a month (a plan is per quarter)."""
    if period.kind == "quarter":
        return [period]
    if period.kind == "year":
        return [Period("quarter", period.year, q) for q in range(1, 5)]
    return []


# --- figures ---


@dataclass
class Share:
    """A proportion with its 95% Wilson interval and the too-few mark of services/stats.py."""

    n: int
    hits: int

    @property
    def rate(self) -> float | None:
        return stats.ratio(self.hits, self.n)

    @property
    def interval(self) -> tuple[float | None, float | None]:
        return stats.wilson_interval(self.hits, self.n)

    @property
    def too_few(self) -> bool:
        return self.n < stats.MIN_SAMPLE


@dataclass
class UnitProgress:
    office: Office
    unit: Unit
    planned: int | None
    done: int
    passed: Share
    previous: Share
    followups_open: int

    @property
    def progress(self) -> float | None:
        """Tests done against the plan (may pass 100%)."""
        return self.done / self.planned if self.planned else None


def _counts(office_ids: list[int], start: datetime, end: datetime, by: str) -> dict:
    """{unit or office id: (tests, passed)} of calls made in [start, end)."""
    column = PhoneTest.unit_id if by == "unit" else PhoneTest.office_id
    rows = db.session.execute(
        sa.select(column, sa.func.count(PhoneTest.id), sa.func.sum(sa.case((PhoneTest.passed, 1), else_=0)))
        .where(PhoneTest.office_id.in_(office_ids), PhoneTest.called_at >= start, PhoneTest.called_at < end)
        .group_by(column)
    )
    return {key: (int(n), int(p or 0)) for key, n, p in rows}


def unit_progress(office_ids: list[int], period: Period) -> list[UnitProgress]:
    """Each unit that has a plan or was tested in the period: plan, tests done, share passing, against the
    period before, and follow-ups still open."""
    if not office_ids:
        return []
    quarters = _quarters_in(period)
    planned: dict[int, int] = {}
    for quarter in quarters:
        for unit_id, n in db.session.execute(
            sa.select(PhoneTestPlan.unit_id, PhoneTestPlan.planned).where(
                PhoneTestPlan.office_id.in_(office_ids),
                PhoneTestPlan.year == quarter.year,
                PhoneTestPlan.quarter == quarter.index,
            )
        ):
            planned[unit_id] = planned.get(unit_id, 0) + n
    current = _counts(office_ids, period.start_utc, period.end_utc, "unit")
    before = period.previous()
    previous = _counts(office_ids, before.start_utc, before.end_utc, "unit")
    open_tasks = dict(
        db.session.execute(
            sa.select(PhoneFollowup.unit_id, sa.func.count(PhoneFollowup.id))
            .where(PhoneFollowup.office_id.in_(office_ids), PhoneFollowup.done_at.is_(None))
            .group_by(PhoneFollowup.unit_id)
        ).all()
    )
    unit_ids = {u for u, n in planned.items() if n} | set(current)
    units = db.session.scalars(sa.select(Unit).where(Unit.id.in_(unit_ids))).all() if unit_ids else []
    rows = []
    for unit in sorted(units, key=lambda u: (u.office.code, u.code)):
        n, p = current.get(unit.id, (0, 0))
        pn, pp = previous.get(unit.id, (0, 0))
        rows.append(
            UnitProgress(
                unit.office, unit, planned.get(unit.id) if quarters else None, n, Share(n, p), Share(pn, pp),
                open_tasks.get(unit.id, 0),
            )
        )
    return rows


def office_results(office_ids: list[int], period: Period) -> list[tuple[Office, Share, Share]]:
    """Each office's tests in the period and the period before: (office, now, before)."""
    if not office_ids:
        return []
    current = _counts(office_ids, period.start_utc, period.end_utc, "office")
    before = period.previous()
    previous = _counts(office_ids, before.start_utc, before.end_utc, "office")
    offices = db.session.scalars(
        sa.select(Office).where(Office.id.in_(set(current) | set(previous))).order_by(Office.code)
    ).all()
    return [(o, Share(*current.get(o.id, (0, 0))), Share(*previous.get(o.id, (0, 0)))) for o in offices]


def trend(office_ids: list[int], period: Period, steps: int = 4) -> list[tuple[Period, Share]]:
    """The share of tests passing in this period and the steps − 1 before it, oldest first."""
    result = []
    for p in period.trailing(steps):
        counts = _counts(office_ids, p.start_utc, p.end_utc, "office") if office_ids else {}
        result.append((p, Share(sum(n for n, _ in counts.values()), sum(h for _, h in counts.values()))))
    return result


def item_failures(office_ids: list[int], period: Period) -> list[tuple[str, int, int]]:
    """(item, tests where it applied, times it failed), in checklist order."""
    applied = dict.fromkeys(ITEMS, 0)
    failed = dict.fromkeys(ITEMS, 0)
    for test in tests_in(office_ids, period):
        for item in ITEMS:
            value = (test.scores or {}).get(item)
            if value in (PASS, FAIL):
                applied[item] += 1
                failed[item] += value == FAIL
    return [(item, applied[item], failed[item]) for item in ITEMS]


def units_for(actor: User) -> list[Unit]:
    """The active units of the offices a recorder may test."""
    return list(
        db.session.scalars(
            sa.select(Unit)
            .join(Office, Office.id == Unit.office_id)
            .where(Unit.office_id.in_(visible_office_ids(actor)), Unit.active.is_(True), Office.active.is_(True))
            .order_by(Office.code, Unit.code)
        )
    )

