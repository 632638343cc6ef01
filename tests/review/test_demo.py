"""seed-demo shows phone courtesy tests and improvement actions as an office would have them."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import ImprovementAction, PhoneFollowup, PhoneTest, PhoneTestPlan, utcnow
from feedback_app.services import improvements
from feedback_app.services.calendar import WorkCalendar
from feedback_app.services.stats import Period


def test_the_demo_has_a_plan_tests_an_open_follow_up_and_actions_in_every_state(runner):
    result = runner.invoke(args=["seed-demo", "--ratings-per-day", "2", "--cases", "20"])
    assert result.exit_code == 0, result.output
    now = utcnow()
    quarter = Period.containing(now)
    plans = db.session.scalars(
        sa.select(PhoneTestPlan).where(PhoneTestPlan.year == quarter.year, PhoneTestPlan.quarter == quarter.index)
    ).all()
    assert len(plans) == 4 and all(p.planned > 0 for p in plans)
    tests = db.session.scalars(sa.select(PhoneTest)).all()
    assert len(tests) > 10 and max(t.called_at for t in tests) <= now
    assert any(not t.passed for t in tests) and sum(t.passed for t in tests) > len(tests) / 2
    open_tasks = db.session.scalars(sa.select(PhoneFollowup).where(PhoneFollowup.done_at.is_(None))).all()
    assert len(open_tasks) == 1
    task = open_tasks[0]
    assert task.test.passed is False and task.assignee is not None
    assert WorkCalendar.around(task.due_date).is_working_day(task.due_date)
    actions = db.session.scalars(sa.select(ImprovementAction)).all()
    assert {a.state for a in actions} == {"planned", "in_progress", "done", "dropped"}
    done = next(a for a in actions if a.state == "done")
    figures = improvements.before_after(done, now)
    assert figures is not None and figures.measures[0].before.n > 0 and figures.measures[0].after.n > 0
    assert next(a for a in actions if a.state == "dropped").dropped_reason
