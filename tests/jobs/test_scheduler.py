"""One active scheduler (a lease) and missed slots run once on start-up."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import JobRun, Notification
from jobs import runs
from jobs.scheduler import catch_up, cron_trigger, last_slot

from .factories import taipei


def test_the_lease_is_held_by_one_process_until_it_expires(app):
    t0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert runs.acquire_lease("a", 60, now=t0)
    assert not runs.acquire_lease("b", 60, now=t0 + timedelta(seconds=30))
    assert runs.acquire_lease("a", 60, now=t0 + timedelta(seconds=30))  # renewal
    assert not runs.acquire_lease("b", 60, now=t0 + timedelta(seconds=89))
    assert runs.acquire_lease("b", 60, now=t0 + timedelta(seconds=91))
    assert not runs.acquire_lease("a", 60, now=t0 + timedelta(seconds=92))
    assert runs.lease_holder().holder == "b"


def test_the_last_slot_is_the_latest_firing_at_or_before_now(app):
    trigger = cron_trigger(app, "chase")
    monday = taipei(datetime(2026, 11, 30).date(), 9, 0)
    assert last_slot(trigger, monday) == taipei(monday.date(), 8, 30)
    assert last_slot(trigger, taipei(monday.date(), 8, 0)) == taipei(datetime(2026, 11, 29).date(), 8, 30)


def test_missed_runs_are_run_once_on_start_up_not_once_per_missed_tick(app, week):
    """After a weekend and a crash (no runs since Friday), start-up runs each scheduled job once for its
    latest slot; a second start-up runs nothing, and the day's reminders are queued once."""
    monday = taipei(datetime(2026, 11, 30).date(), 9, 0)
    first = catch_up(app, "holder", now=monday)
    assert first["chase"]["queued"] > 0
    assert set(first) == {
        "chase", "digest", "petitioner-notices", "retention", "quarterly-report", "staff-survey", "phone-followups"
    }
    assert first["quarterly-report"]["queued"] == 0  # 30 November is not in a quarter's first working days
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
    second = catch_up(app, "holder", now=monday + timedelta(minutes=5))
    assert second["chase"] is None and second["digest"] is None
    runs_per_job = dict(db.session.execute(sa.select(JobRun.job, sa.func.count()).group_by(JobRun.job)).all())
    assert runs_per_job == {
        "chase": 1, "digest": 1, "phone-followups": 1, "petitioner-notices": 1, "retention": 1, "quarterly-report": 1,
        "staff-survey": 1,
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == count


def test_a_failed_slot_is_run_again(app):
    slot = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    run_id = runs.start_run("chase", slot, "schedule", "a")
    runs.finish_run(run_id, "failed", error="boom")
    assert runs.start_run("chase", slot, "schedule", "b") == run_id
    runs.finish_run(run_id, "done")
    assert runs.start_run("chase", slot, "schedule", "c") is None


def test_run_once_refuses_a_bad_time(runner):
    result = runner.invoke(args=["jobs", "run-once", "chase", "--now", "tuesday"])
    assert result.exit_code != 0
    assert "not an ISO date" in result.output
