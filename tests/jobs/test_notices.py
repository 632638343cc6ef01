"""Notices to petitioners from the schedule: the rating link once.

Replies and extensions are mailed by the case services when they happen."""

from datetime import date, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Notification
from feedback_app.services import notify
from jobs import delivery, notices
from tests.factories import set_case_clock

from .factories import make_case, make_extension, taipei

NOW = taipei(date(2026, 11, 25), 10, 0)


def test_petitioners_get_the_rating_link_once_and_nothing_the_case_services_send(app, org, smtp_server):
    officer = org.users[("AA", "officer")]
    extended = make_case(org.a, due=date(2026, 12, 1), assignee=officer, petitioner_email="a@example.tw")
    make_extension(
        extended,
        officer,
        requested=date(2026, 11, 24),
        state="approved",
        new_due=date(2026, 12, 8),
        reason="需會同工務局現場會勘",
        decided=NOW - timedelta(hours=2),
    )
    make_case(
        org.a,
        due=date(2026, 12, 1),
        assignee=officer,
        state="replied",
        petitioner_email="b@example.tw",
        reply="路燈已於今日修復。",
        replied_at=NOW - timedelta(hours=1),
    )
    closed = make_case(
        org.a,
        due=date(2026, 12, 1),
        assignee=officer,
        state="closed",
        petitioner_email="c@example.tw",
        closed_at=NOW - timedelta(hours=1),
    )
    make_case(
        org.a,
        due=date(2026, 12, 1),
        assignee=officer,
        state="closed",
        petitioner_email="old@example.tw",
        closed_at=NOW - timedelta(days=60),
    )
    notify.queue(
        key=f"case:{closed.id}:ack",
        channel="email",
        kind="acknowledgement",
        subject="ack",
        body="b",
        recipient="c@example.tw",
        case_id=closed.id,
    )
    db.session.commit()

    assert notices.petitioner_notices(NOW)["queued"] == 1
    assert notices.petitioner_notices(NOW)["queued"] == 0
    delivery.deliver(NOW)
    by_to = {m["to"][0]: m["message"] for m in smtp_server.messages}
    assert "a@example.tw" not in by_to and "b@example.tw" not in by_to
    assert (
        f"http://127.0.0.1:5000/lookup?number={closed.number}"
        in [
            m["message"].get_content()
            for m in smtp_server.messages
            if m["to"] == ["c@example.tw"] and m["message"]["Subject"] != "ack"
        ][0]
    )
    assert "old@example.tw" not in by_to
    acks = db.session.scalar(
        sa.select(sa.func.count()).where(
            Notification.case_id == closed.id, Notification.kind == "acknowledgement"
        )
    )
    assert acks == 1


def test_an_acknowledgement_logged_on_saturday_night_waits_for_monday_office_hours(
    app, org, smtp_server, monkeypatch
):
    """Sat 28 Nov 2026 23:10 in Taipei: the case is logged and its acknowledgement queued, but the delivery runs
    that night and before opening on Monday send nothing; the run at 08:30 on Monday 30 Nov sends it."""
    from feedback_app.services import cases as svc

    saturday_night = taipei(date(2026, 11, 28), 23, 10)
    set_case_clock(monkeypatch, saturday_night)
    data = svc.CaseInput(office_id=org.a.id, channel="email", subject="週末寄來的陳情", petitioner_email="c@example.tw")
    case, _code = svc.open_case(data)
    db.session.commit()

    assert delivery.deliver(saturday_night + timedelta(minutes=1))["sent"] == 0
    assert delivery.deliver(taipei(date(2026, 11, 29), 12, 0))["sent"] == 0
    assert delivery.deliver(taipei(date(2026, 11, 30), 8, 29))["sent"] == 0
    assert smtp_server.messages == []
    assert delivery.deliver(taipei(date(2026, 11, 30), 8, 30))["sent"] == 1
    assert [m["to"] for m in smtp_server.messages] == [["c@example.tw"]]
    assert case.number in smtp_server.messages[0]["message"].get_content()


def test_the_acknowledgement_keeps_the_look_up_code_only_until_it_is_sent_retries_included(app, org, smtp_server):
    """The look-up code is stored only hashed on the case: the mail that carries it keeps its body while it may
    still be sent (a failed attempt is retried with it) and loses it once sent; the ledger keeps the rest."""
    from feedback_app.services import cases as svc
    from tests.conftest import free_port

    data = svc.CaseInput(office_id=org.a.id, channel="email", subject="陳情", petitioner_email="c@example.tw")
    case, code = svc.open_case(data)
    db.session.commit()
    ack = db.session.scalar(sa.select(Notification).where(Notification.kind == "acknowledgement"))
    first_try = max(ack.next_attempt_at, NOW)

    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # the SMTP server is down
    assert delivery.deliver(first_try)["sent"] == 0
    db.session.expire_all()
    assert ack.status == "queued" and ack.attempts == 1 and code in ack.body

    app.config["MAIL_PORT"] = port
    assert delivery.deliver(first_try + timedelta(hours=2))["sent"] == 1
    assert code in smtp_server.messages[0]["message"].get_content()
    db.session.expire_all()
    assert ack.status == "sent" and code not in ack.body and case.number not in ack.body
    assert (ack.key, ack.recipient, ack.case_id, ack.sent_at is not None) == (
        f"case:{case.id}:ack", "c@example.tw", case.id, True
    )
    assert ack.body == notify.REDACTED_BODY


def test_the_migration_redacts_acknowledgements_sent_before_and_keeps_the_ones_still_to_send(app):
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    for key, kind, status in (("a", "acknowledgement", "sent"), ("b", "acknowledgement", "queued"),
                              ("c", "acknowledgement", "failed"), ("d", "reminder", "sent")):
        notify.queue(
            key=key, channel="email", kind=kind, subject=key, body="查詢碼：SECRET42", recipient="c@example.tw"
        )
        db.session.execute(sa.update(Notification).where(Notification.key == key).values(status=status))
    db.session.commit()
    path = next((Path(__file__).resolve().parents[2] / "migrations/versions").glob("0901_*.py"))
    spec = importlib.util.spec_from_file_location("redact_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
        migration.upgrade()
    db.session.expire_all()
    bodies = dict(db.session.execute(sa.select(Notification.key, Notification.body)).all())
    assert bodies == {"a": notify.REDACTED_BODY, "b": "查詢碼：SECRET42", "c": notify.REDACTED_BODY,
                      "d": "查詢碼：SECRET42"}
