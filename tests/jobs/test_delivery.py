"""Delivery over a real SMTP server: down means queued and retried with backoff, and each message goes once."""

from datetime import timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Notification
from feedback_app.services import notify, reminders
from jobs import delivery
from jobs.clock import WorkingDays, local_date
from tests.conftest import SMTPRecorder, free_port

from .conftest import TODAY
from .factories import taipei

NOW = taipei(TODAY, 9, 0)


def _queue(n: int) -> None:
    for i in range(n):
        notify.queue(
            key=f"test:{i}",
            channel="email",
            kind="reminder",
            subject=f"subject {i}",
            body="body",
            recipient=f"person{i}@example.tw",
            not_before=NOW,
        )
    db.session.commit()


def _rows() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).order_by(Notification.id)))


def test_smtp_down_keeps_mail_queued_with_backoff_then_delivers_it_once(app):
    """With no SMTP server the rows stay queued with attempts + 1 and a doubling delay; when the server is
    back, a later run delivers each message once and a further run sends nothing."""
    _queue(3)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    first = delivery.deliver(NOW)
    assert first["sent"] == 0 and first["smtp"] == "unreachable"
    rows = _rows()
    assert [r.status for r in rows] == ["queued"] * 3
    assert rows[0].attempts == 1 and rows[0].last_error
    assert rows[0].next_attempt_at == NOW + timedelta(seconds=60)

    assert delivery.deliver(NOW + timedelta(seconds=30))["sent"] == 0  # not due yet: no attempt
    assert _rows()[0].attempts == 1
    delivery.deliver(NOW + timedelta(seconds=61))
    assert _rows()[0].attempts == 2
    assert _rows()[0].next_attempt_at == NOW + timedelta(seconds=61 + 120)

    server = SMTPRecorder()
    server.start()
    try:
        app.config.update(MAIL_PORT=server.port)
        assert delivery.deliver(NOW + timedelta(hours=1))["sent"] == 3
        assert delivery.deliver(NOW + timedelta(hours=2))["sent"] == 0
    finally:
        server.stop()
    assert sorted(m["to"][0] for m in server.messages) == [f"person{i}@example.tw" for i in range(3)]
    assert [r.status for r in _rows()] == ["sent"] * 3


def test_a_refused_recipient_is_retried_without_holding_up_the_others(app):
    """The server refusing one address keeps that row queued; the rest of the batch is delivered."""

    class Refusing(SMTPRecorder):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("person1@"):
                return "550 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    server = Refusing()
    server.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        _queue(3)
        result = delivery.deliver(NOW)
    finally:
        server.stop()
    assert (result["sent"], result["failed"]) == (2, 1)
    assert [(r.status, r.attempts) for r in _rows()] == [("sent", 0), ("queued", 1), ("sent", 0)]


def test_an_address_refused_for_good_stops_being_retried_and_its_reader_finds_it_in_the_app(app, org):
    """A 550 for a staff member's address, JOBS_REFUSED_ATTEMPTS times: the mail is marked failed and no further run
    tries it, while the message stays on the staff member's landing page; a 4xx is retried as before."""

    class Refusing(SMTPRecorder):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("gone@"):
                return "550 no such user"
            if address.startswith("busy@"):
                return "450 mailbox busy"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    officer = org.users[("AA", "officer")]
    for key, address in (("gone", "gone@example.tw"), ("busy", "busy@example.tw")):
        notify.queue(key=key, channel="email", kind="reminder", subject="逾期提醒", body="請處理", recipient=address,
                     user_id=officer.id, office_id=org.a.id, not_before=NOW)
    db.session.commit()
    app.config.update(JOBS_REFUSED_ATTEMPTS=2)
    server = Refusing()
    server.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        for hours in range(4):
            delivery.deliver(NOW + timedelta(hours=hours))
    finally:
        server.stop()
    state = {r.key: (r.status, r.attempts) for r in _rows()}
    assert state == {"gone": ("failed", 2), "busy": ("queued", 4)}
    assert "gone" in {n.key for n in reminders.inbox(officer)}


def test_retries_wait_for_office_hours(app):
    """A retry that would fall after closing time waits for the next working day's opening."""
    late = taipei(TODAY, 17, 29)
    assert delivery.retry_at(late, 1) == taipei(TODAY + timedelta(days=1), 8, 30)


def test_a_row_left_sending_by_a_crash_is_sent_again_after_its_lease_with_the_same_message_id(
    app, smtp_server
):
    """A claimed row whose process died is claimed again once the lease expires, and carries the Message-ID
    derived from the ledger row, so a repeat after an unconfirmed send is recognisably the same message."""
    _queue(1)
    token, rows = delivery.claim(NOW, 10)
    expected_id = delivery.message_id(rows[0])
    assert delivery.claim(NOW + timedelta(seconds=299), 10)[1] == []  # still leased to the dead process
    assert delivery.deliver(NOW + timedelta(seconds=301))["sent"] == 1
    assert [m["message"]["Message-ID"] for m in smtp_server.messages] == [expected_id]
    assert _rows()[0].status == "sent"


def test_one_claim_takes_exactly_its_batch_even_with_many_rows_due(app):
    """On PostgreSQL an UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) may run its subquery again
    for each row and take far more than n; a claim takes exactly the batch, and the next one the next batch."""
    _queue(300)
    first_token, first = delivery.claim(NOW, 20)
    second_token, second = delivery.claim(NOW, 20)
    assert len(first) == 20 and len(second) == 20
    assert not {r.id for r in first} & {r.id for r in second}
    claimed = dict(
        db.session.execute(
            sa.select(Notification.claim_token, sa.func.count()).where(Notification.status == "sending")
            .group_by(Notification.claim_token)
        ).all()
    )
    assert claimed == {first_token: 20, second_token: 20}


def test_a_message_whose_claim_was_taken_over_is_not_sent_by_the_run_that_lost_it(app, smtp_server):
    """A run that outlived its lease finds, before each send, that another run claimed the row since: it sends
    nothing of it, and the other run sends each message once."""
    _queue(2)
    days = WorkingDays.covering(local_date(NOW))
    slow_token, slow_rows = delivery.claim(NOW, 10)
    later = NOW + timedelta(seconds=app.config["JOBS_SEND_LEASE_SECONDS"] + 1)
    new_token, new_rows = delivery.claim(later, 10)
    assert [r.id for r in new_rows] == [r.id for r in slow_rows]

    assert delivery._send_batch(NOW, slow_token, slow_rows, days, {})[0] == 0
    assert smtp_server.messages == []
    assert [r.status for r in _rows()] == ["sending", "sending"]
    assert delivery._send_batch(later, new_token, new_rows, days, {})[0] == 2
    assert sorted(m["to"][0] for m in smtp_server.messages) == ["person0@example.tw", "person1@example.tw"]
    assert [r.status for r in _rows()] == ["sent", "sent"]


def test_a_run_renews_its_lease_before_each_send_so_no_other_run_takes_the_row_meanwhile(app, smtp_server):
    _queue(1)
    token, rows = delivery.claim(NOW, 10)
    lease = timedelta(seconds=app.config["JOBS_SEND_LEASE_SECONDS"])
    assert delivery.renew_claim(token, rows[0].id, NOW + 2 * lease)
    assert delivery.claim(NOW + lease + timedelta(seconds=1), 10)[1] == []
    assert not delivery.renew_claim("another-token", rows[0].id, NOW + 3 * lease)


def test_in_app_messages_show_from_their_time(app, org):
    user = org.users[("AA", "officer")]
    notify.queue(
        key="inapp:1",
        channel="inapp",
        kind="reminder",
        subject="s",
        body="b",
        user_id=user.id,
        not_before=NOW,
    )
    db.session.commit()
    assert delivery.release_inapp(NOW - timedelta(minutes=1)) == 0
    assert delivery.release_inapp(NOW) == 1


def test_bulk_queueing_skips_keys_another_process_queues_at_the_same_moment(app):
    """PostgreSQL path of queue_many: a key committed by another transaction while our COPY runs makes the COPY
    fail; the rows then go in through ON CONFLICT DO NOTHING, so that key is skipped and the rest queued once."""
    import threading

    import pytest

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the COPY path with its conflict fallback exists on PostgreSQL only")
    other = db.engine.connect()
    transaction = other.begin()
    other.execute(
        sa.insert(Notification).values(
            key="race:1", channel="inapp", kind="r", subject="theirs", body="b", status="queued", attempts=0,
            next_attempt_at=NOW, created_at=NOW,
        )
    )
    timer = threading.Timer(1.0, transaction.commit)
    timer.start()
    messages = [
        {"key": f"race:{i}", "channel": "inapp", "kind": "r", "subject": "ours", "body": "b"} for i in range(3)
    ]
    try:
        assert notify.queue_many(messages) == 2
        db.session.commit()
    finally:
        timer.join()
        other.close()
    subjects = dict(db.session.execute(sa.select(Notification.key, Notification.subject)).all())
    assert subjects == {"race:0": "ours", "race:1": "theirs", "race:2": "ours"}
