"""Staff see their reminders on the landing page and mark them read; admins edit the ladder per office."""

from datetime import timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import ChaseSettings, Notification, utcnow
from jobs import chase
from tests.conftest import login

from .conftest import TODAY
from .factories import taipei


def _chase_and_let_time_pass():
    """Queue the reminders of TODAY and move their time to the past, whatever the real date is."""
    chase.chase(taipei(TODAY))
    db.session.execute(sa.update(Notification).values(next_attempt_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()


def test_reminders_not_yet_due_are_not_shown(app, client, week):
    """Reminders queued for a later opening time stay hidden until then."""
    chase.chase(taipei(TODAY))
    db.session.execute(sa.update(Notification).values(next_attempt_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    login(client, "aa.officer")
    assert week.late3.number not in client.get("/").get_data(as_text=True)


def test_an_officer_sees_their_reminders_and_marks_one_read(app, client, week):
    _chase_and_let_time_pass()
    login(client, "aa.officer")
    page = client.get("/").get_data(as_text=True)
    assert f"{week.late3.number}" in page and "已逾期 3 個工作日" in page
    assert f"http://127.0.0.1:5000/cases/{week.late3.number}" in page
    mine = db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == week.late3.assignee_id, Notification.channel == "inapp"
        )
    ).all()
    response = client.post(f"/reminders/{mine[0].id}/read")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, mine[0].id).read_at is not None
    assert db.session.get(Notification, mine[1].id).read_at is None
    client.post("/reminders/read")
    db.session.expire_all()
    assert all(
        n.read_at
        for n in db.session.scalars(
            sa.select(Notification).where(
                Notification.user_id == week.late3.assignee_id, Notification.channel == "inapp"
            )
        )
    )


def test_nobody_sees_or_marks_another_persons_reminders(app, client, week):
    _chase_and_let_time_pass()
    theirs = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == week.late3.assignee_id).limit(1)
    )
    login(client, "bb.officer")
    assert week.late3.number not in client.get("/").get_data(as_text=True)
    assert client.post(f"/reminders/{theirs.id}/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_an_admin_edits_the_ladder_of_an_office_and_bad_values_change_nothing(app, client, org):
    login(client, "aa.admin")
    assert "到期前幾個工作日提醒承辦人" in client.get("/admin/reminders").get_data(as_text=True)
    values = {
        "office_id": str(org.a.id),
        "before_due_days": "3",
        "escalate_after_days": "5",
        "unassigned_days": "1",
        "extension_pending_days": "2",
        "rehandling_escalate_after_days": "3",
        "supervisor_after_days": "0",
        "director_after_days": "7",
        "close_after_reply_days": "5",
    }
    assert client.post("/admin/reminders", data=values).status_code == 302
    saved = db.session.scalar(sa.select(ChaseSettings).where(ChaseSettings.office_id == org.a.id))
    assert (saved.before_due_days, saved.escalate_after_days) == (3, 5)
    bad = client.post("/admin/reminders", data=dict(values, before_due_days="99", escalate_after_days="x"))
    assert bad.status_code == 400
    db.session.expire_all()
    assert db.session.get(ChaseSettings, saved.id).before_due_days == 3


def test_an_admin_cannot_edit_another_offices_ladder_and_staff_cannot_edit_any(app, client, org):
    values = {
        "office_id": str(org.b.id),
        "before_due_days": "3",
        "escalate_after_days": "5",
        "unassigned_days": "1",
        "extension_pending_days": "2",
        "rehandling_escalate_after_days": "3",
        "supervisor_after_days": "0",
        "director_after_days": "7",
        "close_after_reply_days": "5",
    }
    login(client, "aa.admin")
    assert client.post("/admin/reminders", data=values).status_code == 403
    client.post("/logout")
    login(client, "aa.supervisor")
    assert client.get("/admin/reminders").status_code == 403
    assert db.session.scalar(sa.select(ChaseSettings).where(ChaseSettings.office_id == org.b.id)) is None
