import sqlalchemy as sa
from flask import render_template
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Office, Role, User
from ..services.access import require_role, scoped
from . import bp


@bp.get("/")
@login_required
def index():
    require_role(current_user, Role.ADMIN)
    offices = db.session.scalars(scoped(sa.select(Office), _OfficeAsOwned, current_user).order_by(Office.code))
    users = db.session.scalars(
        sa.select(User).where(User.city_id == current_user.city_id).order_by(User.office_id, User.username)
    )
    visible = [u for u in users if current_user.office_id is None or u.office_id == current_user.office_id]
    return render_template("admin/index.html", offices=list(offices), users=visible)


class _OfficeAsOwned:
    """Lets scoped() filter offices themselves: an office's own id is its office_id."""

    office_id = Office.id
