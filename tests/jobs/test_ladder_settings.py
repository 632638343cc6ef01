"""The admin sets each office's four rungs and the nudge to close; rungs out of order are refused and change
nothing."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import ChaseSettings
from tests.conftest import login

VALUES = {
    "before_due_days": "2",
    "supervisor_after_days": "1",
    "escalate_after_days": "3",
    "director_after_days": "6",
    "unassigned_days": "1",
    "extension_pending_days": "1",
    "rehandling_escalate_after_days": "3",
    "close_after_reply_days": "4",
}


def _saved(office):
    db.session.expire_all()
    return db.session.scalar(sa.select(ChaseSettings).where(ChaseSettings.office_id == office.id))


def test_an_admin_sets_the_four_rungs_and_the_nudge_of_an_office(app, client, org):
    login(client, "aa.admin")
    page = client.get("/admin/reminders").get_data(as_text=True)
    assert "逾期幾個工作日起通知研考人員" in page and "逾期幾個工作日起通知機關首長" in page
    assert "函復後幾個工作日仍未結案" in page
    response = client.post("/admin/reminders", data=VALUES | {"office_id": str(org.a.id)})
    assert response.status_code == 302
    saved = _saved(org.a)
    assert (saved.supervisor_after_days, saved.escalate_after_days, saved.director_after_days,
            saved.close_after_reply_days) == (1, 3, 6, 4)


def test_a_director_no_later_than_the_monitors_or_a_supervisor_after_them_is_refused(app, client, org):
    login(client, "aa.admin")
    client.post("/admin/reminders", data=VALUES | {"office_id": str(org.a.id)})
    for bad, _field, message in (
        ({"director_after_days": "3"}, "director_after_days", "通知機關首長的時點須晚於研考"),
        ({"rehandling_escalate_after_days": "6"}, "director_after_days", "須晚於重新處理的研考通知"),
        ({"supervisor_after_days": "3"}, "supervisor_after_days", "通知主管的時點須早於研考"),
        ({"close_after_reply_days": "0"}, "close_after_reply_days", None),
    ):
        response = client.post("/admin/reminders", data=VALUES | bad | {"office_id": str(org.a.id)})
        assert response.status_code == 400, bad
        if message:
            assert message in response.get_data(as_text=True)
        saved = _saved(org.a)
        assert (saved.supervisor_after_days, saved.escalate_after_days, saved.director_after_days,
                saved.rehandling_escalate_after_days, saved.close_after_reply_days) == (1, 3, 6, 3, 4), bad
