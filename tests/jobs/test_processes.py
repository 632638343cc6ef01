"""Real `flask jobs` processes: two at once send each message once; kill -9 mid-run loses and repeats nothing."""

import os
import signal
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Notification, utcnow
from feedback_app.services import notify

from .conftest import NOW, TODAY
from .factories import make_case, taipei


def _wait(processes, timeout=120):
    for process in processes:
        process.wait(timeout=timeout)
        assert process.returncode == 0, process.output()[1]


def _email_rows():
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).where(Notification.channel == "email")))


def test_two_jobs_processes_at_once_queue_and_send_each_message_once(
    app, org, week, smtp_server, jobs_process
):
    """Two processes run the chase for the same day at the same moment, then two deliver at once: the
    ledger holds each reminder once and the SMTP server receives each once."""
    officer = org.users[("AA", "officer")]
    for i in range(10):
        make_case(org.a, due=TODAY - timedelta(days=7 + i % 20), assignee=officer, number=f"AA-LOAD{i:04d}")
    db.session.commit()
    _wait([jobs_process("run-once", "chase", "--now", NOW) for _ in range(2)])
    db.session.expire_all()
    items = db.session.scalars(sa.select(Notification.key).where(Notification.channel == "inapp")).all()
    assert len(items) > 50 and len(items) == len(set(items))
    rows = _email_rows()
    assert len(rows) == len({r.user_id for r in rows}) >= 4  # one morning mail per person, however many cases
    _wait([jobs_process("run-once", "deliver", "--now", NOW) for _ in range(2)])
    rows = _email_rows()
    assert {r.status for r in rows} == {"sent"}
    ids = [m["message"]["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(rows) == len(set(ids))


def test_kill_9_while_sending_then_rerun_loses_and_duplicates_nothing(
    app, org, slow_smtp_server, jobs_process
):
    """The jobs process is killed (SIGKILL) while the SMTP server is taking the 4th message; a run after the
    send leases have expired delivers the rest, and every message arrives exactly once."""
    for i in range(12):
        notify.queue(
            key=f"kill:{i}",
            channel="email",
            kind="reminder",
            subject=f"reminder {i}",
            body="b",
            recipient=f"p{i}@example.tw",
            not_before=taipei(TODAY),
        )
    db.session.commit()
    fourth = threading.Event()
    original = slow_smtp_server.handle_DATA
    arrived = {"n": 0}

    async def counting(server, session, envelope):
        arrived["n"] += 1
        if arrived["n"] == 4:
            fourth.set()
        return await original(server, session, envelope)

    slow_smtp_server.handle_DATA = counting
    process = jobs_process("run-once", "deliver", "--now", NOW)
    assert fourth.wait(60), "the jobs process never reached the 4th message"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    time.sleep(0.5)
    assert len(slow_smtp_server.messages) == 3
    assert {r.status for r in _email_rows()} == {"sent", "sending"}

    # The run renewed the lease of the message it was sending (a few seconds after its claim): wait past that.
    later = (taipei(TODAY) + timedelta(seconds=301 + 60)).isoformat()
    _wait([jobs_process("run-once", "deliver", "--now", later)])
    subjects = sorted(m["message"]["Subject"] for m in slow_smtp_server.messages)
    assert subjects == sorted(f"reminder {i}" for i in range(12))
    assert {r.status for r in _email_rows()} == {"sent"}


def test_a_waiting_scheduler_takes_over_when_the_holder_is_killed(app, jobs_process):
    """Two `flask jobs run` processes: one holds the lease, the other waits; after kill -9 of the holder the
    waiting one takes the lease once it expires."""
    from jobs import runs

    def holder():
        db.session.expire_all()
        lease = runs.lease_holder()
        db.session.rollback()
        return lease.holder if lease else None

    def wait_for(pid, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = holder()
            if found and f":{pid}:" in found:
                return True
            time.sleep(0.3)
        return False

    first = jobs_process("run", JOBS_LEASE_SECONDS="6")
    assert wait_for(first.pid), "the first scheduler never took the lease"
    second = jobs_process("run", JOBS_LEASE_SECONDS="6")
    time.sleep(8)
    assert f":{first.pid}:" in holder()
    assert second.poll() is None
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    assert wait_for(second.pid, timeout=30), "the waiting scheduler did not take over"
    second.send_signal(signal.SIGTERM)
    second.wait(timeout=60)
    err = second.output()[1]
    assert second.returncode == 0, err
    assert "waits" in err and "took the scheduler lease" in err and "stopped" in err


def _queue_wave(name: str, count: int) -> list[str]:
    keys = [f"{name}:{i}" for i in range(count)]
    for key in keys:
        notify.queue(key=key, channel="email", kind="reminder", subject=key, body="b",
                     recipient=f"{key.replace(':', '-')}@example.tw", not_before=utcnow() - timedelta(minutes=1))
    db.session.commit()
    return keys


def _wait_until_sent(keys, holders, timeout=90) -> bool:
    from jobs import runs

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        lease = runs.lease_holder()
        if lease is not None:
            holders.add(lease.holder.split(":")[0])
        sent = db.session.scalar(
            sa.select(sa.func.count()).select_from(Notification).where(
                Notification.key.in_(keys), Notification.status == "sent"))
        db.session.rollback()
        if sent == len(keys):
            return True
        time.sleep(0.3)
    return False


@pytest.mark.slow
def test_two_schedulers_on_two_servers_send_each_message_once(app, smtp_server, jobs_process):
    """`flask jobs run` on two machines (host names server-a and server-b) at once: one holds the lease and
    delivers; when it is stopped the other takes over and delivers what is queued next. The SMTP server receives
    every message of both waves exactly once."""
    # The schedulers deliver at the real time of the test run, which may be at night.
    settings = {"JOBS_LEASE_SECONDS": "4", "JOBS_DELIVER_SECONDS": "1", "JOBS_MAIL_IN_OFFICE_HOURS": "0"}
    first_wave = _queue_wave("first", 15)
    servers = {host: jobs_process("run", host=host, **settings) for host in ("server-a", "server-b")}
    holders: set[str] = set()
    assert _wait_until_sent(first_wave, holders), "the first wave was not delivered"
    (holder,) = holders
    servers[holder].send_signal(signal.SIGTERM)
    servers[holder].wait(timeout=60)
    other = ({"server-a", "server-b"} - {holder}).pop()

    second_wave = _queue_wave("second", 15)
    assert _wait_until_sent(second_wave, holders), "the waiting server did not take over the delivery"
    assert holders == {"server-a", "server-b"}
    servers[other].send_signal(signal.SIGTERM)
    servers[other].wait(timeout=60)
    for host, process in servers.items():
        assert process.returncode == 0, (host, process.output()[1])
    assert f"{other}:" in servers[other].output()[1] and "waits" in servers[other].output()[1]
    assert "took the scheduler lease" in servers[other].output()[1]

    rows = _email_rows()
    assert sorted(r.key for r in rows) == sorted(first_wave + second_wave)
    assert {r.status for r in rows} == {"sent"}
    ids = [m["message"]["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(rows) == len(set(ids))
    assert sorted(m["message"]["Subject"] for m in smtp_server.messages) == sorted(first_wave + second_wave)
