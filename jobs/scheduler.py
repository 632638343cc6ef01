"""The jobs process: one active scheduler per installation, held by a lease that a waiting process takes over
when the holder dies; missed slots are run once at start-up, not once per missed tick."""

import logging
import os
import signal
import socket
import threading
import uuid
from datetime import datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from feedback_app.extensions import db
from feedback_app.models import utcnow
from feedback_app.services.calendar import TAIPEI

from . import JOBS, run_job, runs

log = logging.getLogger(__name__)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def cron_trigger(app: Flask, name: str) -> CronTrigger:
    job = JOBS[name]
    fields = dict(job.cron)
    if job.office_time:
        hour, minute = app.config.get("JOBS_SEND_TIME", "08:30").split(":")
        fields.update(hour=int(hour), minute=int(minute))
    return CronTrigger(timezone=TAIPEI, **fields)


def last_slot(
    trigger: CronTrigger, now: datetime, lookback: timedelta = timedelta(days=8)
) -> datetime | None:
    """The latest time at or before `now` at which the trigger fires."""
    slot, previous = None, None
    moment = trigger.get_next_fire_time(None, now - lookback)
    while moment is not None and moment <= now:
        slot, previous = moment, moment
        moment = trigger.get_next_fire_time(previous, previous + timedelta(seconds=1))
    return slot


def catch_up(app: Flask, holder: str, now: datetime | None = None) -> dict[str, dict | None]:
    """Run each scheduled job once for its latest slot that has no record yet (a weekend, a crash)."""
    now = now or utcnow()
    done = {}
    for name, job in JOBS.items():
        if job.cron is None:
            continue
        slot = last_slot(cron_trigger(app, name), now)
        if slot is not None:
            done[name] = run_job(name, now, slot=slot, trigger="catch-up", holder=holder)
    return done


class SchedulerProcess:
    """Waits for the lease, then runs the jobs on their schedule while it keeps the lease."""

    def __init__(self, app: Flask, holder: str | None = None):
        self.app = app
        self.holder = holder or holder_name()
        self.lease_seconds = int(app.config.get("JOBS_LEASE_SECONDS", 60))
        self.renew_every = max(1.0, self.lease_seconds / 3)
        self.stopping = threading.Event()
        self.scheduler: BlockingScheduler | None = None

    def _renew(self) -> bool:
        with self.app.app_context():
            try:
                return runs.acquire_lease(self.holder, self.lease_seconds)
            finally:
                db.session.remove()

    def _heartbeat(self) -> None:
        if self.stopping.is_set():  # a stop that came before the schedule was running
            self.scheduler.shutdown(wait=False)
        elif not self._renew():
            log.error("%s lost the scheduler lease; stopping its schedule", self.holder)
            self.scheduler.shutdown(wait=False)

    def _scheduled(self, name: str) -> None:
        if not self._renew():
            return
        with self.app.app_context():
            try:
                now = utcnow()
                trigger = cron_trigger(self.app, name) if JOBS[name].cron is not None else None
                slot = last_slot(trigger, now) if trigger else None
                run_job(name, now, slot=slot, trigger="schedule", holder=self.holder)
            except Exception:
                log.exception("job %s failed", name)
            finally:
                db.session.remove()

    def _build(self) -> BlockingScheduler:
        scheduler = BlockingScheduler(
            timezone=TAIPEI, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        )
        for name, job in JOBS.items():
            if job.cron is None:
                setting, default = job.interval
                trigger = IntervalTrigger(seconds=int(self.app.config.get(setting, default)))
            else:
                trigger = cron_trigger(self.app, name)
            scheduler.add_job(self._scheduled, trigger, args=[name], id=name, name=name)
        scheduler.add_job(
            self._heartbeat, IntervalTrigger(seconds=self.renew_every), id="lease", name="lease"
        )
        return scheduler

    def stop(self, *_args) -> None:
        self.stopping.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        waiting_said = False
        while not self.stopping.is_set():
            if not self._renew():
                if not waiting_said:
                    log.info("%s waits: another scheduler holds the lease", self.holder)
                    waiting_said = True
                self.stopping.wait(self.renew_every)
                continue
            waiting_said = False
            log.info("%s took the scheduler lease", self.holder)
            with self.app.app_context():
                try:
                    catch_up(self.app, self.holder)
                except Exception:
                    log.exception("catching up missed runs failed")
                finally:
                    db.session.remove()
            if self.stopping.is_set():
                break
            self.scheduler = self._build()
            self.scheduler.start()
        with self.app.app_context():
            runs.release_lease(self.holder)
            db.session.remove()
        log.info("%s stopped", self.holder)
