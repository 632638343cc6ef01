"""Retention: personal data of cases closed longer than the retention period is erased, statistics stay."""

import logging
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Attachment, Case, CaseEvent, CaseNote, Notification
from feedback_app.services import notify
from jobs import retention
from tests.conftest import login
from tests.factories import set_case_clock

from .factories import make_case, make_extension, taipei

NOW = taipei(date(2026, 11, 25), 2, 15)


def _closed(org, closed_at: datetime) -> Case:
    officer = org.users[("AA", "officer")]
    case = make_case(
        org.a,
        due=closed_at.date(),
        assignee=officer,
        state="closed",
        petitioner_name="王小明",
        petitioner_phone="0912345678",
        petitioner_email="wang@example.tw",
        petitioner_address="台北市",
        lookup_code_hash="hash",
        reply="已修復",
        replied_at=closed_at,
        closed_at=closed_at,
        outcome="resolved",
        reply_score=4,
        category_id=None,
    )
    db.session.add(CaseNote(case_id=case.id, author_id=officer.id, body="王小明來電"))
    db.session.add(
        Attachment(
            case_id=case.id,
            filename="王小明.jpg",
            content_type="image/jpeg",
            size=3,
            sha256="0" * 64,
            data=b"abc",
        )
    )
    db.session.add(
        CaseEvent(case_id=case.id, action="close", after={"petitioner_name": "王小明"}, note="王小明")
    )
    make_extension(case, officer, requested=closed_at.date(), state="approved", reason="王小明不在家")
    notify.queue(
        key=f"case:{case.id}:ack:email",
        channel="email",
        kind="acknowledgement",
        subject="收件通知",
        body="王小明您好",
        recipient="wang@example.tw",
        case_id=case.id,
    )
    db.session.commit()
    return case


def test_cases_closed_over_five_years_ago_lose_personal_data_and_keep_statistics(app, org, caplog):
    old = _closed(org, NOW - timedelta(days=5 * 366))
    recent = _closed(org, NOW - timedelta(days=4 * 365))
    open_case = make_case(
        org.a, due=date(2020, 1, 6), assignee=org.users[("AA", "officer")], petitioner_name="李大華"
    )
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="jobs.retention"):
        summary = retention.purge(NOW)
    assert summary["cases"] == 1 and summary["notes"] == 1 and summary["attachments"] == 1
    db.session.expire_all()
    old = db.session.get(Case, old.id)
    assert (
        old.petitioner_name,
        old.petitioner_phone,
        old.petitioner_email,
        old.petitioner_address,
        old.lookup_code_hash,
    ) == (None, None, None, None, None)
    assert old.description == retention.ERASED and old.reply == retention.ERASED
    assert old.purged_at == NOW
    assert (old.state, old.outcome, old.reply_score, old.channel) == ("closed", "resolved", 4, "email")
    assert old.closed_at is not None and old.received_at is not None and old.due_at is not None
    texts = [n.body for n in db.session.scalars(sa.select(CaseNote).where(CaseNote.case_id == old.id))]
    texts += [
        a.filename for a in db.session.scalars(sa.select(Attachment).where(Attachment.case_id == old.id))
    ]
    texts += [e.reason for e in old.extensions]
    texts += [
        n.body + (n.recipient or "")
        for n in db.session.scalars(sa.select(Notification).where(Notification.case_id == old.id))
    ]
    assert texts and all("王小明" not in t and "wang@" not in t for t in texts)
    assert db.session.scalar(sa.select(Attachment.data).where(Attachment.case_id == old.id)) == b""
    event = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.case_id == old.id))
    assert event.after is None and event.note is None
    assert db.session.get(Case, recent.id).petitioner_name == "王小明"
    assert db.session.get(Case, open_case.id).petitioner_name == "李大華"
    assert "王小明" not in caplog.text and "wang@" not in caplog.text
    assert retention.purge(NOW)["cases"] == 0


def test_the_retention_period_is_configurable(app, org):
    app.config["RETENTION_YEARS"] = 3
    case = _closed(org, NOW - timedelta(days=4 * 365))
    assert retention.purge(NOW)["cases"] == 1
    db.session.expire_all()
    assert db.session.get(Case, case.id).petitioner_name is None


def test_retention_runs_are_reported_on_the_cli_and_the_admin_page(app, org, runner, client):
    _closed(org, NOW - timedelta(days=6 * 365))
    result = runner.invoke(args=["jobs", "run-once", "retention", "--now", NOW.isoformat()])
    assert result.exit_code == 0 and '"cases": 1' in result.output
    status = runner.invoke(args=["jobs", "status", "--job", "retention"])
    assert "retention" in status.output and '"cases": 1' in status.output and "王小明" not in status.output
    login(client, "aa.admin")
    page = client.get("/admin/reminders").get_data(as_text=True)
    assert "個人資料保存期限" in page and "<td>1</td>" in page


def test_transferred_and_merged_cases_are_erased_counting_from_the_transfer_or_merge(app, org, monkeypatch):
    """移文 and merging set no closed_at (the indicators would count them as closed here): the period runs from
    the transfer or merge in the audit trail, so a case received long ago but transferred lately is kept."""
    from feedback_app.services import cases as svc

    director = org.users[("AA", "director")]

    def at(moment):
        set_case_clock(monkeypatch, moment)

    def opened(name):
        data = svc.CaseInput(office_id=org.a.id, channel="email", subject="路燈不亮", petitioner_name=name,
                             petitioner_email="p@example.tw")
        return svc.open_case(data)[0]

    at(NOW - timedelta(days=6 * 365))
    transferred, merged, kept_open, late = opened("王小明"), opened("王小明"), opened("李大華"), opened("陳美玲")
    svc.transfer_case(transferred, director, transferred.version, "非屬本所權責", agency="臺北市政府民政局")
    svc.merge_case(merged, director, merged.version, kept_open.number)
    at(NOW - timedelta(days=4 * 365))
    svc.transfer_case(late, director, late.version, "非屬本所權責", agency="臺北市政府工務局")
    db.session.commit()

    assert retention.purge(NOW)["cases"] == 2
    db.session.expire_all()
    for case in (db.session.get(Case, transferred.id), db.session.get(Case, merged.id)):
        assert (case.petitioner_name, case.petitioner_email, case.purged_at) == (None, None, NOW)
        assert case.state in ("transferred", "merged") and case.closed_at is None
    assert db.session.get(Case, late.id).petitioner_name == "陳美玲"
    assert db.session.get(Case, kept_open.id).petitioner_name == "李大華"
    assert retention.purge(NOW)["cases"] == 0
