"""The overdue notice (行政程序法 §51's spirit): when the due date passes with no reply and no approved extension,
the petitioner is told why and by when to expect a reply, once, in their language, in office hours."""

from datetime import date, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import CaseEvent, Notification
from feedback_app.services.calendar import WorkCalendar
from jobs import delivery, notices

from .factories import make_case, make_extension, taipei

SATURDAY_NIGHT = taipei(date(2026, 11, 28), 22, 0)
MONDAY = date(2026, 11, 30)


def _overdue_mails(smtp_server, to):
    return [m["message"] for m in smtp_server.messages if m["to"] == [to]]


def test_the_overdue_notice_reaches_the_petitioner_once_in_their_language_in_office_hours(app, org, smtp_server):
    officer = org.users[("AA", "officer")]
    late = make_case(org.a, due=date(2026, 11, 23), assignee=officer, petitioner_email="vi@example.tw",
                     petitioner_locale="vi")
    db.session.commit()

    first = notices.petitioner_notices(SATURDAY_NIGHT)
    again = notices.petitioner_notices(SATURDAY_NIGHT + timedelta(minutes=30))
    assert (first["overdue"], again["overdue"]) == (1, 0)

    # Queued on a Saturday night: nothing goes out before Monday's opening time.
    assert delivery.deliver(SATURDAY_NIGHT + timedelta(minutes=1))["sent"] == 0
    assert delivery.deliver(taipei(MONDAY, 8, 29))["sent"] == 0
    assert smtp_server.messages == []
    assert delivery.deliver(taipei(MONDAY, 8, 30))["sent"] == 1
    # Monday's runs find it told already.
    assert notices.petitioner_notices(taipei(MONDAY, 9, 0))["overdue"] == 0
    assert delivery.deliver(taipei(MONDAY, 9, 1))["sent"] == 0

    [mail] = _overdue_mails(smtp_server, "vi@example.tw")
    expected = WorkCalendar(2026, 2027).add_working_days(date(2026, 11, 28), 5)[0]
    body = mail.get_content()
    assert mail["Subject"] == f"Hồ sơ {late.number} của bạn đang mất nhiều thời gian hơn dự kiến"
    assert "đã quá hạn xử lý 2026-11-23" in body
    assert "Lý do: Hồ sơ cần thêm thời gian để xác minh và phối hợp" in body
    assert f"Dự kiến trả lời trước: {expected.isoformat()}" in body
    assert "http://127.0.0.1:5000/lookup" in body
    event = db.session.scalar(sa.select(CaseEvent).where(CaseEvent.action == "petitioner_told_overdue"))
    assert event.case_id == late.id and event.after == {"reason": None, "expected_date": expected.isoformat()}


def test_a_pending_extension_gives_the_reason_and_date_and_no_one_else_is_told(app, org, smtp_server):
    officer = org.users[("AA", "officer")]
    asked = make_case(org.a, due=date(2026, 11, 23), assignee=officer, petitioner_email="en@example.tw",
                      petitioner_locale="en")
    make_extension(asked, officer, requested=date(2026, 11, 20), new_due=date(2026, 12, 11),
                   reason="Waiting for the Public Works Department's site survey")
    extended = make_case(org.a, due=date(2026, 11, 23), assignee=officer, petitioner_email="ext@example.tw")
    make_extension(extended, officer, requested=date(2026, 11, 18), state="approved", new_due=date(2026, 11, 23))
    make_case(org.a, due=date(2026, 11, 23), assignee=officer, petitioner_email="replied@example.tw",
              state="replied", reply="已修復。")
    make_case(org.a, due=date(2026, 11, 30), assignee=officer, petitioner_email="notyet@example.tw")
    make_case(org.a, due=date(2026, 10, 1), assignee=officer, petitioner_email="long-ago@example.tw")
    make_case(org.a, due=date(2026, 11, 23), assignee=officer)  # no address to write to
    db.session.commit()

    assert notices.petitioner_notices(taipei(date(2026, 11, 25), 10, 0))["overdue"] == 1
    assert delivery.deliver(taipei(date(2026, 11, 25), 10, 1))["sent"] == 1
    [mail] = _overdue_mails(smtp_server, "en@example.tw")
    body = mail.get_content()
    assert "Reason: Waiting for the Public Works Department's site survey" in body
    assert "Expected reply by: 2026-12-11" in body
    assert [m["to"] for m in smtp_server.messages] == [["en@example.tw"]]
    kinds = db.session.scalars(sa.select(Notification.kind)).all()
    assert kinds == ["overdue"]
