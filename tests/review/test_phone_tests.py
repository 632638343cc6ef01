"""Phone courtesy tests: scoring, the follow-up a failed call opens, its chase, and the plan's progress."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Notification, PhoneFollowup, PhoneTest
from feedback_app.services import phone_tests
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.errors import AccessDenied, ValidationFailed
from feedback_app.services.stats import Period
from jobs.phone_followups import chase_followups

from .conftest import RECORDED
from .factories import ALL_PASS, record


def _at(day: date, hour: int = 8, minute: int = 30) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TAIPEI)


def _ledger() -> list[tuple[str, str]]:
    return sorted(
        (n.kind, n.recipient) for n in db.session.scalars(sa.select(Notification).order_by(Notification.id))
    )


def test_a_failed_item_fails_the_test_and_opens_a_follow_up_due_in_working_days(app, org, calendar_2026):
    test = record(org, RECORDED, failing=("greeting",))
    db.session.commit()
    assert test.passed is False and test.needs_followup is True
    task = test.followup
    # Five working days from Wed 23 Sep skip 中秋節 (Fri 25) and 教師節 (Mon 28), and the weekend between.
    assert task.due_date == date(2026, 10, 2)
    assert task.due_at.astimezone(TAIPEI).date() == date(2026, 10, 2)
    assert task.assignee_id == org.users[("AA", "supervisor")].id
    assert task.done_at is None


def test_a_passing_test_opens_no_follow_up_unless_the_tester_asks(app, org, calendar_2026):
    quiet = record(org, RECORDED)
    asked = record(org, RECORDED, needs_followup=True)
    db.session.commit()
    assert quiet.passed and quiet.followup is None
    assert asked.passed and asked.followup is not None


def test_transfer_and_call_back_may_be_not_applicable_but_the_core_items_may_not(app, org):
    scores = dict(ALL_PASS) | {"attitude": "na", "callback": "maybe"}
    data = phone_tests.PhoneTestInput(
        unit_id=org.a.units[0].id, called_at=RECORDED, tester="林研考", scores=scores
    )
    with pytest.raises(ValidationFailed) as refused:
        phone_tests.record_test(data, org.users[("TPE", "monitor")], now=RECORDED + timedelta(hours=1))
    assert set(refused.value.details) == {"attitude", "callback"}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(PhoneTest.id))) == 0


def test_bad_input_is_refused_field_by_field_and_nothing_is_stored(app, org):
    data = phone_tests.PhoneTestInput(
        unit_id=org.c.units[0].id,  # another city's unit
        called_at=RECORDED + timedelta(days=1),  # in the future
        tester=" ",
        scores=dict(ALL_PASS),
        extension="12-3",
    )
    with pytest.raises(ValidationFailed) as refused:
        phone_tests.record_test(data, org.users[("TPE", "monitor")], now=RECORDED)
    assert set(refused.value.details) == {"unit_id", "called_at", "tester", "extension"}
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(PhoneTest.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(PhoneFollowup.id))) == 0


def test_only_monitors_and_directors_record_tests(app, org):
    data = phone_tests.PhoneTestInput(unit_id=org.a.units[0].id, called_at=RECORDED, tester="x", scores=ALL_PASS)
    for role in ("officer", "supervisor", "admin"):
        with pytest.raises(AccessDenied):
            phone_tests.record_test(data, org.users[("AA", role)], now=RECORDED)
    # An office's own director records tests of that office only.
    director = org.users[("AA", "director")]
    assert phone_tests.record_test(data, director, now=RECORDED).passed
    other = phone_tests.PhoneTestInput(unit_id=org.b.units[0].id, called_at=RECORDED, tester="x", scores=ALL_PASS)
    with pytest.raises(ValidationFailed):
        phone_tests.record_test(other, director, now=RECORDED)


def test_the_follow_up_is_chased_once_per_stage_even_when_the_job_runs_twice(app, org, calendar_2026):
    record(org, RECORDED, failing=("three_rings", "attitude"))
    db.session.commit()
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    days = {
        # Wed 30 Sep: due in 2 working days (Thu 1, Fri 2) -> the supervisor it is assigned to.
        date(2026, 9, 30): {("phone-followup-soon", "aa.supervisor@example.tw")},
        # Fri 2 Oct: due today.
        date(2026, 10, 2): {("phone-followup-due", "aa.supervisor@example.tw")},
        # Mon 5 Oct: a working day late.
        date(2026, 10, 5): {("phone-followup-overdue", "aa.supervisor@example.tw")},
        # Tue 6 Oct: still overdue, already told: nothing new.
        date(2026, 10, 6): set(),
        # Wed 7 Oct: 3 working days late -> 研考 and the directors, office and city.
        date(2026, 10, 7): {
            ("phone-followup-escalated", f"{who}@example.tw")
            for who in ("aa.monitor", "tpe.monitor", "aa.director", "tpe.director")
        },
    }
    seen: set = set()
    for day, expected in days.items():
        first = chase_followups(_at(day))
        again = chase_followups(_at(day, 9, 0))
        assert again["queued"] == 0, day
        now = set(_ledger())
        assert now - seen == expected, day
        assert first["queued"] == len(expected), day
        seen = now
    assert len(_ledger()) == len(set(_ledger())) == 7
    subjects = db.session.scalars(sa.select(Notification.subject).order_by(Notification.id)).all()
    assert subjects[0] == "Reminder: the phone test follow-up for 戶籍登記課 is due in 2 working days"
    # A Saturday queues nothing.
    assert chase_followups(_at(date(2026, 10, 10)))["working_day"] is False


def test_a_follow_up_done_is_no_longer_chased(app, org, calendar_2026):
    test = record(org, RECORDED, failing=("callback",))
    db.session.commit()
    supervisor = org.users[("AA", "supervisor")]
    with pytest.raises(ValidationFailed):
        phone_tests.complete_followup(test.followup, supervisor, "  ")
    phone_tests.complete_followup(test.followup, supervisor, "已請同仁確實回電並登記", now=_at(date(2026, 9, 24)))
    db.session.commit()
    assert chase_followups(_at(date(2026, 10, 5)))["queued"] == 0
    with pytest.raises(AccessDenied):
        phone_tests.complete_followup(test.followup, org.users[("BB", "supervisor")], "x")


def test_the_job_is_registered_and_runs_from_the_command_line(app, org, calendar_2026, runner):
    record(org, RECORDED, failing=("greeting",))
    db.session.commit()
    result = runner.invoke(args=["jobs", "run-once", "phone-followups", "--now", "2026-10-02T08:30:00+08:00"])
    assert result.exit_code == 0, result.output
    assert '"queued": 1' in result.output
    notification = db.session.scalar(sa.select(Notification))
    assert notification.subject == "戶籍登記課電話禮貌測試之追蹤改善今日到期"


def test_plan_progress_and_share_passing_per_unit_and_office(app, org, calendar_2026):
    monitor = org.users[("TPE", "monitor")]
    quarter = Period("quarter", 2026, 3)
    phone_tests.save_plan(monitor, org.a.units[0].id, quarter, 4)
    phone_tests.save_plan(monitor, org.a.units[0].id, quarter, 5)  # a second save changes the plan
    phone_tests.save_plan(monitor, org.b.units[0].id, quarter, 2)
    for failing in ((), (), ("greeting",)):
        record(org, RECORDED, failing=failing)
    record(org, RECORDED, office="BB")
    # One in the quarter before, failed: the change against it.
    record(org, datetime(2026, 6, 10, 10, tzinfo=TAIPEI), failing=("attitude",))
    db.session.commit()
    rows = {row.office.code: row for row in phone_tests.unit_progress([org.a.id, org.b.id], quarter)}
    a, b = rows["AA"], rows["BB"]
    assert (a.planned, a.done, a.passed.hits, a.passed.n) == (5, 3, 2, 3)
    assert a.progress == pytest.approx(0.6)
    assert a.passed.rate == pytest.approx(2 / 3)
    assert a.passed.too_few is True
    low, high = a.passed.interval
    assert low < 2 / 3 < high
    assert (a.previous.n, a.previous.hits) == (1, 0)
    assert a.followups_open == 2  # open now: this quarter's failed test and June's, never done
    assert (b.planned, b.done, b.progress) == (2, 1, 0.5)
    results = phone_tests.office_results([org.a.id, org.b.id], quarter)
    offices = {o.code: (now.n, now.hits) for o, now, _before in results}
    assert offices == {"AA": (3, 2), "BB": (1, 1)}
    trend = phone_tests.trend([org.a.id], quarter, steps=2)
    assert [(p.key, s.n, s.hits) for p, s in trend] == [("2026-Q2", 1, 0), ("2026-Q3", 3, 2)]
    items = dict((item, (applied, failed)) for item, applied, failed in phone_tests.item_failures([org.a.id], quarter))
    assert items["greeting"] == (3, 1) and items["transfer"] == (0, 0)


def test_a_plan_is_refused_for_a_month_a_negative_count_or_another_city(app, org):
    monitor = org.users[("TPE", "monitor")]
    with pytest.raises(ValidationFailed) as refused:
        phone_tests.save_plan(monitor, org.c.units[0].id, Period("month", 2026, 7), -1)
    assert set(refused.value.details) == {"unit_id", "period", "planned"}
