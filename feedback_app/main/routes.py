import sqlalchemy as sa
from flask import jsonify, render_template
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Office, User
from ..reminders.forms import MarkReadForm
from ..services import health, reminders
from ..services.access import ensure_access, visible_office_ids
from ..services.errors import NotFound
from . import bp
from .nav import areas_for


@bp.get("/")
@login_required
def index():
    offices = visible_office_ids(current_user)
    return render_template("main/index.html", areas=areas_for(current_user), office_count=len(offices),
                           reminders=reminders.inbox(current_user), unread=reminders.unread_count(current_user),
                           read_form=MarkReadForm())


@bp.get("/healthz")
def healthz():
    """For the proxy and the monitoring: 200 when everything required answers, 503 with what does not."""
    report = health.check()
    return jsonify(report), 200 if report["status"] == health.OK else 503


@bp.get("/offices/<code>")
@login_required
def office(code: str):
    """An office's units, counters and staff, for its own staff and city-wide staff."""
    found = db.session.scalar(sa.select(Office).where(Office.code == code))
    if found is None:
        raise NotFound()
    ensure_access(current_user, found, office_id=found.id)
    staff = db.session.scalars(sa.select(User).where(User.office_id == found.id).order_by(User.username)).all()
    return render_template("main/office.html", office=found, staff=staff)
