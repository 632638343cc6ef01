"""Real-time satisfaction alerts: listing them for managers and acknowledging them with a comment."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Alert, Role, User, utcnow
from .access import ensure_access, require_role, scoped
from .errors import Conflict, ValidationFailed

MANAGERS = (Role.SUPERVISOR, Role.MONITOR, Role.DIRECTOR, Role.ADMIN)


def alerts_for(user: User, *, open_only: bool = False, limit: int = 200) -> list[Alert]:
    require_role(user, *MANAGERS)
    stmt = scoped(sa.select(Alert), Alert, user)
    if user.role == Role.SUPERVISOR and user.unit_id is not None:
        stmt = stmt.where(Alert.unit_id == user.unit_id)
    if open_only:
        stmt = stmt.where(Alert.acknowledged_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Alert.triggered_at.desc()).limit(limit)))


def acknowledge(user: User, alert_id: int, comment: str) -> Alert:
    """A supervisor says what was done; the alert and its handling stay for the quarterly review."""
    require_role(user, *MANAGERS)
    alert = ensure_access(user, db.session.get(Alert, alert_id))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed(details={"comment": str(_l("Say what was done about it."))})
    if len(comment) > 2000:
        raise ValidationFailed(details={"comment": str(_l("The comment is limited to 2,000 characters."))})
    done = db.session.execute(
        sa.update(Alert)
        .where(Alert.id == alert.id, Alert.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_id=user.id, comment=comment)
    ).rowcount
    if done != 1:
        db.session.rollback()
        raise Conflict(_l("This alert was acknowledged already."))
    db.session.commit()
    db.session.refresh(alert)
    return alert
