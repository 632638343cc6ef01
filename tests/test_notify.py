"""The notification ledger keeps each message once, however often it is queued."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Notification
from feedback_app.services import notify


def test_the_same_key_is_queued_once(app, org):
    user = org.users[("AA", "officer")]
    first = notify.queue(key="case:1:due:0:user:1", channel="inapp", kind="reminder", subject="s", body="b",
                         user_id=user.id)
    second = notify.queue(key="case:1:due:0:user:1", channel="inapp", kind="reminder", subject="s2", body="b2",
                          user_id=user.id)
    db.session.commit()
    assert (first, second) == (True, False)
    rows = db.session.scalars(sa.select(Notification)).all()
    assert [(r.subject, r.status) for r in rows] == [("s", "queued")]
