"""Scheduled work, run by APScheduler in its own process (`flask --app wsgi jobs run`), never in web workers.

Every job is a function of the moment it runs for (`now`), idempotent through the notification ledger."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from feedback_app.extensions import db

from . import chase, delivery, notices, phone_followups, reports, retention, rollups, runs, staff_survey

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], dict]
    cron: dict | None  # APScheduler cron fields in Asia/Taipei; None for a job run at an interval
    office_time: bool = False  # fires at JOBS_SEND_TIME instead of its own hour and minute
    # For an interval job: the setting that holds its interval in seconds, and its default.
    interval: tuple[str, int] = ("JOBS_DELIVER_SECONDS", 60)


JOBS = {
    job.name: job
    for job in (
        Job("chase", chase.chase, {}, office_time=True),
        Job("digest", chase.digest, {}, office_time=True),
        Job("phone-followups", phone_followups.chase_followups, {}, office_time=True),
        Job("petitioner-notices", notices.petitioner_notices, {"hour": "8-17", "minute": "0,30"}),
        Job("retention", retention.purge, {"hour": "2", "minute": "15"}),
        Job("quarterly-report", reports.quarterly_reports, {}, office_time=True),
        Job("staff-survey", staff_survey.staff_survey_rounds, {"hour": "0,8-17", "minute": "0"}),
        Job("rollups", rollups.refresh, None, interval=("JOBS_ROLLUPS_SECONDS", 300)),
        Job("deliver", delivery.deliver, None),
    )
}


def run_job(
    name: str,
    now: datetime,
    *,
    slot: datetime | None = None,
    trigger: str = "manual",
    holder: str | None = None,
) -> dict | None:
    """Run one job for `now`, recorded under its slot; None when the slot was run already."""
    job = JOBS[name]
    if job.cron is None:
        return job.run(now)
    run_id = runs.start_run(name, slot or now, trigger, holder)
    if run_id is None:
        return None
    try:
        summary = job.run(now)
    except Exception as error:
        db.session.rollback()
        runs.finish_run(run_id, "failed", error=f"{type(error).__name__}: {error}"[:500])
        raise
    runs.finish_run(run_id, "done", summary=summary)
    log.info("job %s for %s: %s", name, (slot or now).isoformat(), summary)
    return summary
