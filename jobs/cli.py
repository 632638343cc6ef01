"""`flask jobs ...`: the jobs process, one job now, and what the jobs have done."""

import json
import logging
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from feedback_app.models import utcnow
from feedback_app.services.calendar import TAIPEI

from . import JOBS, run_job, runs

jobs_cli = AppGroup("jobs", help="Scheduled reminders, delivery and retention.")


def _moment(value: str | None) -> datetime:
    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date and time", param_hint="--now") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=TAIPEI)


@jobs_cli.command("run")
def run_command():
    """Run the scheduler in this process (one active per installation; others wait and take over)."""
    from .scheduler import SchedulerProcess

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per lease renewal is noise
    SchedulerProcess(current_app._get_current_object()).run()


@jobs_cli.command("run-once")
@click.argument("name", type=click.Choice(sorted(JOBS)))
@click.option("--now", "now", help="Run as of this time, ISO (Asia/Taipei when no zone is given).")
def run_once_command(name, now):
    """Run one job immediately."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    summary = run_job(name, _moment(now), trigger="manual")
    click.echo(json.dumps({"job": name, "summary": summary}, ensure_ascii=False, default=str))


@jobs_cli.command("status")
@click.option("--job", type=click.Choice(sorted(JOBS)))
@click.option("--limit", default=20, show_default=True)
def status_command(job, limit):
    """Who holds the scheduler lease, and the latest runs (retention runs show what was erased)."""
    lease = runs.lease_holder()
    if lease is None:
        click.echo("scheduler lease: never taken")
    else:
        click.echo(f"scheduler lease: {lease.holder} until {lease.expires_at.isoformat()}")
    for run in runs.recent_runs(job, limit):
        click.echo(
            f"{run.job:<20} {run.slot.astimezone(TAIPEI).isoformat()} {run.trigger:<9} {run.status:<8} "
            f"{json.dumps(run.summary or {}, ensure_ascii=False, default=str)}{' ' + run.error if run.error else ''}"
        )
