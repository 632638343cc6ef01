"""The chase ladder: the right reminders to the right people on a chosen day, each once."""

import json
from datetime import date, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, CaseState, ChaseSettings, Notification, User, utcnow
from feedback_app.services.calendar import next_office_moment
from jobs import chase, delivery

from .conftest import NOW, TODAY
from .factories import make_case, make_rehandling, taipei


def _mails(smtp_server) -> set[tuple[str, str]]:
    return {(m["to"][0], m["message"]["Subject"]) for m in smtp_server.messages}


def _run(runner, *args) -> dict:
    result = runner.invoke(args=["jobs", "run-once", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])["summary"]


def _by_person(smtp_server) -> dict[str, list]:
    mails: dict[str, list] = {}
    for m in smtp_server.messages:
        mails.setdefault(m["to"][0], []).append(m["message"])
    return mails


def test_chase_day_mails_each_person_once_with_their_rungs_and_a_second_run_sends_nothing(
    app, runner, week, smtp_server
):
    """On Wednesday 25 Nov 2026: due in 2 days -> officer; due today -> officer + supervisor; 1 day late ->
    officer + supervisor; 3 days late -> also the monitors (the directors' rung is 5 days late by default);
    unassigned a day -> supervisor + monitors; extension pending a day -> supervisor. Closed and far-off cases are
    not chased. Each person gets one mail listing their cases, the most overdue first."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    assert _run(runner, "chase", "--now", NOW)["queued"] > 0
    assert _run(runner, "deliver", "--now", NOW)["sent"] > 0
    w = week
    soon = f"Reminder: case {w.soon.number} is due in 2 working days"
    due = f"Case {w.due.number} is due today"
    late1 = f"Overdue: case {w.late1.number} is 1 working days late"
    late3 = f"Overdue: case {w.late3.number} is 3 working days late"
    unassigned = f"Case {w.unassigned.number} has not been assigned for 2 working days"
    extension = f"The extension request for case {w.far.number} is waiting for your approval"
    expected = {
        "aa.officer@example.tw": [late3, late1, due, soon],
        "aa.supervisor@example.tw": [late3, late1, due, unassigned, extension],
        "aa.monitor@example.tw": [late3, unassigned],
        "tpe.monitor@example.tw": [late3, unassigned],
    }
    mails = _by_person(smtp_server)
    assert set(mails) == set(expected)
    for address, lines in expected.items():
        (mail,) = mails[address]
        body = mail.get_content()
        assert [body.index(line) for line in lines] == sorted(body.index(line) for line in lines), address
        assert body.count("- ") == len(lines)
        assert mail["Subject"].startswith("Chase reminders for 2026-11-25")
    assert f"http://127.0.0.1:5000/cases/{w.late3.number}" in mails["aa.officer@example.tw"][0].get_content()
    assert mails["aa.officer@example.tw"][0]["Subject"] == "Chase reminders for 2026-11-25: 4 cases, 2 overdue"

    again = _run(runner, "chase", "--now", NOW)
    assert again["queued"] == 0
    assert _run(runner, "deliver", "--now", NOW)["sent"] == 0
    assert len(smtp_server.messages) == len(expected)


def test_reminders_are_in_chinese_by_default_and_in_app_only_without_an_address(app, week, org):
    """Staff without a language get zh_TW; a recipient without an email address gets the reminder in the app."""
    supervisor = org.users[("AA", "supervisor")]
    supervisor.email = None
    db.session.commit()
    chase.chase(taipei(TODAY))
    rows = db.session.scalars(sa.select(Notification).where(Notification.case_id == week.due.id)).all()
    assert all("今日到期" in row.subject for row in rows)
    assert {(r.user_id, r.channel) for r in rows} == {(week.due.assignee_id, "inapp"), (supervisor.id, "inapp")}
    mails = db.session.scalars(sa.select(Notification).where(Notification.channel == "email")).all()
    assert supervisor.id not in {m.user_id for m in mails}
    (officers,) = [m for m in mails if m.user_id == week.due.assignee_id]
    assert officers.subject.startswith("稽催") and "今日到期" in officers.body


def test_weekend_and_holiday_send_nothing(app, week):
    """Saturday 28 Nov 2026 and Friday 9 Oct 2026 (National Day, observed) queue no reminder or digest."""
    for day in (date(2026, 11, 28), date(2026, 10, 9)):
        assert chase.chase(taipei(day)) == {"working_day": False, "queued": 0}
        assert chase.digest(taipei(day)) == {"working_day": False, "queued": 0}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_a_run_before_office_hours_queues_for_opening_time(app, week):
    """A run at 03:00 queues the day's reminders for 08:30, never for the middle of the night."""
    chase.chase(taipei(TODAY, 3, 0))
    times = set(db.session.scalars(sa.select(Notification.next_attempt_at)))
    assert times == {taipei(TODAY)}


def test_an_extension_starts_a_new_ladder(app, week):
    """A new due date is a new due-date version: its ladder reminds again, the old one is not repeated."""
    chase.chase(taipei(TODAY))
    case = week.due
    case.due_at = week.soon.due_at
    db.session.commit()
    result = chase.chase(taipei(TODAY))
    assert result["queued"] == 1  # the officer's "due soon" reminder
    keys = db.session.scalars(
        sa.select(Notification.key).where(Notification.case_id == case.id, Notification.kind == "soon")
    ).all()
    assert len(keys) == 1


def test_overdue_cases_are_reminded_every_working_day(app, week):
    """The day after, the 1-day-late case is 2 days late and reminded again; Saturday adds nothing."""
    chase.chase(taipei(TODAY))
    next_day = chase.chase(taipei(date(2026, 11, 26)))
    assert next_day["queued"] > 0
    subjects = db.session.scalars(
        sa.select(Notification.subject).where(
            Notification.case_id == week.late1.id,
            Notification.user_id == week.late1.assignee_id,
        )
    ).all()
    assert len(subjects) == 2
    mails = db.session.scalars(
        sa.select(Notification.key).where(
            Notification.user_id == week.late1.assignee_id, Notification.channel == "email"
        )
    ).all()
    assert sorted(mails) == [f"chase:mail:2026-11-2{d}:u{week.late1.assignee_id}:email" for d in (5, 6)]


def test_an_office_can_start_the_ladder_earlier(app, week, org):
    """With before_due_days = 3 in office AA, the case due in 3 working days is reminded too."""
    chase.ensure_settings()
    settings = db.session.scalar(sa.select(ChaseSettings).where(ChaseSettings.office_id == org.a.id))
    settings.before_due_days = 3
    db.session.commit()
    chase.chase(taipei(TODAY))
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(Notification.case_id == week.far.id, Notification.kind == "soon")
        )
        == 1
    )


def test_rehandling_tasks_climb_the_same_ladder(app, org):
    """A re-handling task 3 working days late reaches the officer, supervisor and monitors; the directors' rung
    is later (5 working days late by default)."""
    officer = org.users[("AA", "officer")]
    case = make_case(org.a, due=date(2026, 11, 2), assignee=officer, state="closed")
    make_rehandling(case, officer, due=date(2026, 11, 20))
    db.session.commit()
    chase.chase(taipei(TODAY))
    users = set(
        db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "rehandling-overdue"))
    )
    expected = {
        org.users[k].id
        for k in [
            ("AA", "officer"),
            ("AA", "supervisor"),
            ("AA", "monitor"),
            ("TPE", "monitor"),
        ]
    }
    assert users == expected


def test_a_rehandling_task_recorded_as_done_is_no_longer_chased(app, org):
    """Both tasks are chased on Wednesday; once one is recorded as done, Thursday's run reminds of the other
    only."""
    from feedback_app.services import cases as svc

    officer, supervisor = org.users[("AA", "officer")], org.users[("AA", "supervisor")]
    cases = [make_case(org.a, due=date(2026, 11, 2), assignee=officer, state="closed") for _ in range(2)]
    tasks = [make_rehandling(case, supervisor, due=date(2026, 11, 20)) for case in cases]
    db.session.commit()

    def chased(day) -> dict[int, int]:
        chase.chase(taipei(day))
        keys = db.session.scalars(sa.select(Notification.key).where(Notification.kind.like("rehandling-%"))).all()
        return {t.id: sum(k.startswith(f"chase:rehandling:{t.id}:") for k in keys) for t in tasks}

    wednesday = chased(TODAY)
    assert all(wednesday.values())
    svc.complete_rehandling(supervisor, tasks[0].id, "已重新回電說明。")
    db.session.commit()
    thursday = chased(TODAY + timedelta(days=1))
    assert thursday[tasks[0].id] == wednesday[tasks[0].id]
    assert thursday[tasks[1].id] > wednesday[tasks[1].id]


def test_daily_digest_lists_the_supervisors_unit(app, week, org):
    """Each supervisor gets one digest a day: due soon, overdue and extensions waiting in their unit."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    first = chase.digest(taipei(TODAY))
    assert chase.digest(taipei(TODAY))["queued"] == 0
    digest = db.session.scalar(
        sa.select(Notification).where(
            Notification.kind == "digest",
            Notification.channel == "email",
            Notification.user_id == org.users[("AA", "supervisor")].id,
        )
    )
    assert first["supervisors"] == 2  # the supervisors of AA and BB
    assert digest.subject == "Daily digest: 2 due soon, 2 overdue, 1 waiting for approval"
    assert week.late3.number in digest.body and week.far.number in digest.body
    other = db.session.scalar(
        sa.select(Notification).where(
            Notification.kind == "digest",
            Notification.channel == "email",
            Notification.user_id == org.users[("BB", "supervisor")].id,
        )
    )
    assert week.late3.number not in other.body


def test_delivery_marks_reminders_sent(app, week, smtp_server):
    chase.chase(taipei(TODAY))
    delivery.deliver(taipei(TODAY))
    statuses = set(db.session.scalars(sa.select(Notification.status)))
    assert statuses == {"sent"}


def test_the_demo_is_chased_to_the_staff_of_each_cases_office_and_a_second_run_sends_nothing(
    app, runner, smtp_server
):
    """The demo's open cases, chased on the next working morning: every overdue assigned case reminds its officer,
    every message goes to staff of the case's office or city-wide staff, and nothing goes twice."""
    seeded = runner.invoke(args=["seed-demo", "--ratings-per-day", "1", "--cases", "80"])
    assert seeded.exit_code == 0, seeded.output
    morning = next_office_moment(utcnow())
    first = _run(runner, "chase", "--now", morning.isoformat())
    assert first["queued"] > 0

    people = {u.id: u for u in db.session.scalars(sa.select(User))}
    cases = {c.id: c for c in db.session.scalars(sa.select(Case))}
    queued = db.session.scalars(sa.select(Notification).where(Notification.key.like("chase:%"))).all()
    assert len(queued) == first["queued"]
    sent = [m for m in queued if m.channel == "inapp"]
    mails = [m for m in queued if m.channel == "email"]
    assert len(mails) == first["mails"] == len({m.user_id for m in mails})  # one mail per person
    assert {m.user_id for m in mails} == {m.user_id for m in sent if people[m.user_id].email}
    for message in sent:
        reader, case = people[message.user_id], cases[message.case_id]
        assert reader.office_id in (None, case.office_id), (message.key, reader.username)
        assert reader.city_id == case.office.city_id
        assert case.state in CaseState.OPEN
        if case.state == CaseState.REPLIED:  # the reply met the due date: at most a nudge to close
            assert message.kind == "close", message.key
    reminded = {(m.case_id, m.user_id) for m in sent}
    overdue = [c for c in cases.values() if c.state in CaseState.OPEN and c.state != CaseState.REPLIED
               and c.assignee_id and c.due_at < morning]
    assert overdue and all((c.id, c.assignee_id) in reminded for c in overdue)

    assert _run(runner, "chase", "--now", morning.isoformat())["queued"] == 0
    delivered = _run(runner, "deliver", "--now", morning.isoformat())["sent"]
    assert delivered == len(smtp_server.messages) > 0
    readers = [m["to"][0] for m in smtp_server.messages if m["message"]["Subject"].startswith("稽催通知")]
    assert readers and len(readers) == len(set(readers))
    assert _run(runner, "deliver", "--now", morning.isoformat())["sent"] == 0
    assert len(smtp_server.messages) == delivered
