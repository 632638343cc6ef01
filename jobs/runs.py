"""The scheduler lease (one active scheduler per installation) and the record of each job's scheduled slots.

Both are plain rows, so they work on SQLite and PostgreSQL alike: a lease is taken by an UPDATE that only
succeeds when the row is ours or has expired, a slot is claimed by inserting its (job, slot) row."""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db, upsert_insert
from feedback_app.models import JobLease, JobRun, utcnow

log = logging.getLogger(__name__)

SCHEDULER_LEASE = "scheduler"


def acquire_lease(
    holder: str, seconds: int, name: str = SCHEDULER_LEASE, now: datetime | None = None
) -> bool:
    """Take or renew the lease; False while another holder's lease is still running."""
    now = now or utcnow()
    until = now + timedelta(seconds=seconds)
    inserted = db.session.execute(
        upsert_insert(JobLease)
        .values(name=name, holder=holder, acquired_at=now, expires_at=until)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(JobLease.name)
    ).scalar()
    if inserted is None:
        result = db.session.execute(
            sa.update(JobLease)
            .where(JobLease.name == name, sa.or_(JobLease.holder == holder, JobLease.expires_at < now))
            .values(
                holder=holder,
                expires_at=until,
                acquired_at=sa.case((JobLease.holder == holder, JobLease.acquired_at), else_=now),
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return result.rowcount == 1
    db.session.commit()
    return True


def release_lease(holder: str, name: str = SCHEDULER_LEASE) -> None:
    """Give the lease up at once, so a waiting process need not wait for it to expire."""
    db.session.execute(
        sa.update(JobLease)
        .where(JobLease.name == name, JobLease.holder == holder)
        .values(expires_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def lease_holder(name: str = SCHEDULER_LEASE) -> JobLease | None:
    return db.session.get(JobLease, name)


def start_run(
    job: str, slot: datetime, trigger: str, holder: str | None, stale_after: timedelta = timedelta(hours=1)
) -> int | None:
    """Claim a job's slot; None when it is done already or another process is running it.

    A manual run always runs (idempotence is the ledger's job) and takes over the slot's record."""
    now = utcnow()
    run_id = db.session.execute(
        upsert_insert(JobRun)
        .values(job=job, slot=slot, trigger=trigger, holder=holder, status="running", started_at=now)
        .on_conflict_do_nothing(index_elements=["job", "slot"])
        .returning(JobRun.id)
    ).scalar()
    if run_id is None:
        takeable = (
            sa.true()
            if trigger == "manual"
            else sa.or_(
                JobRun.status == "failed",
                sa.and_(JobRun.status == "running", JobRun.started_at < now - stale_after),
            )
        )
        run_id = db.session.execute(
            sa.update(JobRun)
            .where(JobRun.job == job, JobRun.slot == slot, takeable)
            .values(
                status="running", trigger=trigger, holder=holder, started_at=now, finished_at=None, error=None
            )
            .returning(JobRun.id)
        ).scalar()
    db.session.commit()
    return run_id


def finish_run(run_id: int, status: str, summary: dict | None = None, error: str | None = None) -> None:
    db.session.execute(
        sa.update(JobRun)
        .where(JobRun.id == run_id)
        .values(status=status, finished_at=utcnow(), summary=summary, error=error)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def recent_runs(job: str | None = None, limit: int = 20) -> list[JobRun]:
    stmt = sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    if job:
        stmt = stmt.where(JobRun.job == job)
    return list(db.session.scalars(stmt))
