"""The chase over working days: it stops at the reply, nudges once to close, climbs four rungs set per office,
and mails each person once a morning; mail goes out only in office hours, judged when it is sent."""

from datetime import date, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import CaseState, ChaseSettings, Notification, User
from feedback_app.services import notify
from jobs import chase, delivery

from .conftest import TODAY
from .factories import make_case, taipei

# Working days of late November and early December 2026 (no holidays among them).
DAYS = [date(2026, 11, d) for d in (18, 19, 20, 23, 24, 25, 26, 27, 30)] + [date(2026, 12, d) for d in (1, 2, 3, 4)]


def _items(case_id: int) -> list[Notification]:
    return db.session.scalars(
        sa.select(Notification).where(Notification.case_id == case_id, Notification.channel == "inapp")
        .order_by(Notification.id)
    ).all()


def _set_ladder(office, **values) -> None:
    chase.ensure_settings()
    settings = db.session.scalar(sa.select(ChaseSettings).where(ChaseSettings.office_id == office.id))
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.commit()


def test_a_case_replied_on_time_and_closed_late_is_never_escalated_and_its_officer_is_nudged_once(
    app, org, smtp_server
):
    """Due Fri 20 Nov, replied Thu 19 Nov, closed only on Thu 3 Dec: no due or overdue reminder to anyone on
    any day after the reply; on Thu 26 Nov (5 working days after the reply) its officer alone is nudged to close
    it, once, in that morning's one mail; a case not replied, due the same day, climbs the ladder meanwhile."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    officer = org.users[("AA", "officer")]
    replied = make_case(org.a, due=date(2026, 11, 20), received=date(2026, 11, 12), assignee=officer,
                        state=CaseState.REPLIED, replied_at=taipei(date(2026, 11, 19), 15, 0), reply="函復內容")
    late = make_case(org.a, due=date(2026, 11, 20), received=date(2026, 11, 12), assignee=officer)
    db.session.commit()
    for day in DAYS[1:]:
        if day == date(2026, 12, 3):
            replied.state, replied.closed_at = CaseState.CLOSED, taipei(day, 10, 0)
            db.session.commit()
        chase.chase(taipei(day))
        delivery.deliver(taipei(day, 9, 0))
    items = _items(replied.id)
    assert [(i.kind, i.user_id) for i in items] == [("close", officer.id)]
    assert items[0].next_attempt_at == taipei(date(2026, 11, 26))
    assert items[0].subject == f"Case {replied.number} was replied to 5 working days ago and is not closed yet"
    assert items[0].body.startswith(f"{items[0].subject}\n\n") and f"/cases/{replied.number}\n" in items[0].body
    assert {i.kind for i in _items(late.id)} == {"soon", "due", "overdue"}
    assert len({i.user_id for i in _items(late.id)}) == 6  # officer, supervisor, 2 monitors, 2 directors

    to_officer = [m["message"] for m in smtp_server.messages if m["to"] == [officer.email]]
    assert len(to_officer) == len(DAYS) - 1  # one mail a working morning, however many cases
    nudge = [m for m in to_officer if replied.number in m.get_content()]
    assert len(nudge) == 1 and "Replied, waiting to be closed" in nudge[0].get_content()
    for mail in smtp_server.messages:
        if mail["to"] != [officer.email]:
            assert replied.number not in mail["message"].get_content()


def test_the_nudge_waits_the_offices_own_number_of_working_days(app, org):
    officer = org.users[("AA", "officer")]
    _set_ladder(org.a, close_after_reply_days=2)
    case = make_case(org.a, due=date(2026, 12, 4), received=date(2026, 11, 20), assignee=officer,
                     state=CaseState.REPLIED, replied_at=taipei(date(2026, 11, 23), 11, 0))
    db.session.commit()
    nudged = []
    for day in DAYS[3:]:
        chase.chase(taipei(day))
        nudged.append(len(_items(case.id)))
    assert nudged[:4] == [0, 0, 1, 1] and nudged[-1] == 1  # Mon 23 replied, Wed 25 is 2 working days later


def _first_day_per_role(case_id: int, people: dict[int, str]) -> dict[str, date]:
    first: dict[str, date] = {}
    for item in _items(case_id):
        role = people.get(item.user_id)
        if role and role not in first:
            first[role] = item.next_attempt_at.astimezone(taipei(TODAY).tzinfo).date()
    return first


def test_four_rungs_reach_officer_supervisor_monitor_and_director_on_each_offices_days(app, org):
    """Office AA: supervisor from 1 day late, monitors from 2, director from 4; office BB keeps the defaults
    (supervisor on the due date, monitors from 3, director from 5). Both cases are due Wed 18 Nov."""
    _set_ladder(org.a, supervisor_after_days=1, escalate_after_days=2, director_after_days=4)
    cases = {}
    for code, office in (("AA", org.a), ("BB", org.b)):
        cases[code] = make_case(office, due=date(2026, 11, 18), received=date(2026, 11, 10),
                                assignee=org.users[(code, "officer")])
    db.session.commit()
    for day in [date(2026, 11, 16), date(2026, 11, 17)] + DAYS[:6]:
        chase.chase(taipei(day))
    for code, expected in (
        ("AA", {"officer": 16, "supervisor": 19, "monitor": 20, "director": 24}),
        ("BB", {"officer": 16, "supervisor": 18, "monitor": 23, "director": 25}),
    ):
        people = {org.users[(code, role)].id: role for role in expected}
        first = _first_day_per_role(cases[code].id, people)
        assert first == {role: date(2026, 11, d) for role, d in expected.items()}, code
        city_wide = {org.users[("TPE", role)].id: role for role in ("monitor", "director")}
        assert _first_day_per_role(cases[code].id, city_wide) == {
            role: date(2026, 11, expected[role]) for role in ("monitor", "director")
        }


def test_a_morning_sends_each_person_one_mail_of_all_their_cases_most_overdue_first(app, org, smtp_server):
    officer = org.users[("AA", "officer")]
    numbers = {}
    for late_days, due in ((1, date(2026, 11, 24)), (7, date(2026, 11, 16)), (3, date(2026, 11, 20))):
        numbers[late_days] = make_case(org.a, due=due, assignee=officer).number
    soon = make_case(org.a, due=date(2026, 11, 27), assignee=officer).number
    db.session.commit()
    summary = chase.chase(taipei(TODAY))
    assert summary["items"] > summary["mails"] > 0
    assert chase.chase(taipei(TODAY))["queued"] == 0
    delivery.deliver(taipei(TODAY, 9, 0))
    readers = [m["to"][0] for m in smtp_server.messages]
    assert len(readers) == len(set(readers)) == summary["mails"]
    (mail,) = [m["message"] for m in smtp_server.messages if m["to"] == [officer.email]]
    body = mail.get_content()
    positions = [body.index(numbers[7]), body.index(numbers[3]), body.index(numbers[1]), body.index(soon)]
    assert positions == sorted(positions)
    assert f"http://127.0.0.1:5000/cases/{numbers[7]}" in body
    assert mail["Subject"] == "稽催通知（2026-11-25）：共 4 件，逾期 3 件"


def test_mail_due_at_night_or_on_a_weekend_is_held_to_the_next_office_moment_when_sent(app, org, smtp_server):
    """A retry due at 22:00 on Wednesday, and one due on Saturday: a delivery run then sends nothing and holds
    them (no attempt counted) to the next opening time, 08:30 on the next working day, when they go out."""
    notify.queue(key="retry:night", channel="email", kind="reminder", subject="夜間重試", body="b",
                 recipient="night@example.tw", not_before=taipei(TODAY, 22, 0))
    notify.queue(key="retry:saturday", channel="email", kind="acknowledgement", subject="週六重試", body="b",
                 recipient="sat@example.tw", not_before=taipei(date(2026, 11, 28), 10, 0))
    db.session.commit()

    def rows():
        db.session.expire_all()
        return {r.key: (r.status, r.attempts, r.next_attempt_at) for r in db.session.scalars(sa.select(Notification))}

    assert delivery.deliver(taipei(TODAY, 22, 1)) == {"sent": 0, "failed": 0, "inapp": 0, "held": 1}
    assert rows()["retry:night"] == ("queued", 0, taipei(TODAY + timedelta(days=1)))
    assert smtp_server.messages == []
    assert delivery.deliver(taipei(TODAY + timedelta(days=1)))["sent"] == 1
    assert delivery.deliver(taipei(date(2026, 11, 28), 10, 5))["sent"] == 0
    assert rows()["retry:saturday"] == ("queued", 0, taipei(date(2026, 11, 30)))
    assert len(smtp_server.messages) == 1
    assert delivery.deliver(taipei(date(2026, 11, 30), 8, 30))["sent"] == 1
    assert sorted(m["to"][0] for m in smtp_server.messages) == ["night@example.tw", "sat@example.tw"]


def test_a_row_left_sending_overnight_is_not_sent_before_opening(app, smtp_server):
    """A process that died at 17:25 leaves a claimed row; its lease runs out in the evening, and the next run,
    at 19:00, holds it for the morning instead of sending it."""
    notify.queue(key="claimed", channel="email", kind="reminder", subject="s", body="b", recipient="x@example.tw",
                 not_before=taipei(TODAY, 17, 0))
    db.session.commit()
    token, rows = delivery.claim(taipei(TODAY, 17, 25), 10)
    assert len(rows) == 1
    assert delivery.deliver(taipei(TODAY, 19, 0))["held"] == 1
    assert smtp_server.messages == []
    assert delivery.deliver(taipei(TODAY + timedelta(days=1), 8, 30))["sent"] == 1


def test_people_without_an_address_get_items_in_the_app_and_no_mail(app, org):
    officer = org.users[("AA", "officer")]
    officer.email = None
    db.session.commit()
    case = make_case(org.a, due=date(2026, 11, 20), assignee=officer)
    db.session.commit()
    chase.chase(taipei(TODAY))
    assert officer.id in {i.user_id for i in _items(case.id)}
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Notification.channel == "email", Notification.user_id == officer.id)) == 0
    assert db.session.get(User, officer.id).email is None


def test_a_mail_of_thousands_of_cases_lists_the_most_pressing_and_points_to_the_page(app):
    from jobs.messages import MAIL_MAX_LINES, Texts

    lines = [{"kind": "overdue", "days": 30 - i // 10, "number": f"A{i:04d}", "subject": f"案件 A{i:04d} 已逾期",
              "link": f"http://x/cases/A{i:04d}"} for i in range(MAIL_MAX_LINES + 5)]
    subject, body = Texts().chase_mail("zh_TW", "2026-11-25", lines)
    assert subject == f"稽催通知（2026-11-25）：共 {MAIL_MAX_LINES + 5} 件，逾期 {MAIL_MAX_LINES + 5} 件"
    assert body.count("\n- ") == MAIL_MAX_LINES
    assert "另有 5 則提醒" in body
