"""Staff reminders in the app (the in-app side of the ledger) and the chase ladder settings an admin edits."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import ChaseSettings, JobRun, Notification, Office, Role, User, utcnow
from . import chase_rules
from .access import ensure_access, require_role, scoped
from .errors import NotFound, ValidationFailed

LADDER_LIMITS = chase_rules.LIMITS
# What an admin reads when the rungs are out of order (chase_rules.ladder_problems names the rule broken).
LADDER_ORDER = {
    "before-monitor": _l("The supervisor must be told before the monitors (fewer working days late)."),
    "after-monitor": _l("The director must be told later than the monitors (more working days late)."),
    "after-rehandling-monitor": _l(
        "The director must be told later than the monitors of re-handling (more working days late)."
    ),
}


# The chase's morning mail lists reminders that are each on the landing page already.
NOT_ON_THE_PAGE = ("chase-digest",)


def _mine(user: User):
    """A staff member's reminders whose time has come, whether they also went out by email or not."""
    return (
        Notification.user_id == user.id,
        Notification.next_attempt_at <= utcnow(),
        Notification.kind.not_in(NOT_ON_THE_PAGE),
    )


def inbox(user: User, limit: int = 20) -> list[Notification]:
    """The user's reminders that are due to be seen, unread first, newest first."""
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(*_mine(user))
            .order_by(
                Notification.read_at.is_not(None), Notification.next_attempt_at.desc(), Notification.id.desc()
            )
            .limit(limit)
        )
    )


def unread_count(user: User) -> int:
    return (
        db.session.scalar(sa.select(sa.func.count()).where(*_mine(user), Notification.read_at.is_(None))) or 0
    )


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's reminders (or all of them) read; another user's reminder is not found."""
    stmt = sa.update(Notification).where(*_mine(user), Notification.read_at.is_(None))
    if notification_id is not None:
        if (
            db.session.scalar(
                sa.select(Notification.id).where(Notification.id == notification_id, *_mine(user))
            )
            is None
        ):
            raise NotFound()
        stmt = stmt.where(Notification.id == notification_id)
    result = db.session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


class _OfficeAsOwned:
    """Lets scoped() filter offices themselves: an office's own id is its office_id."""

    office_id = Office.id


def ladders_for(user: User) -> list[tuple[Office, ChaseSettings | None]]:
    """Each office the admin may reach with its ladder (None: the defaults apply)."""
    require_role(user, Role.ADMIN)
    offices = db.session.scalars(scoped(sa.select(Office), _OfficeAsOwned, user).order_by(Office.code)).all()
    settings = {
        s.office_id: s
        for s in db.session.scalars(
            sa.select(ChaseSettings).where(ChaseSettings.office_id.in_([o.id for o in offices]))
        )
    }
    return [(office, settings.get(office.id)) for office in offices]


def update_ladder(user: User, office_id: int, values: dict) -> ChaseSettings:
    """Set an office's ladder; every value must be a whole number of working days within its limits."""
    require_role(user, Role.ADMIN)
    office = ensure_access(user, db.session.get(Office, office_id), office_id=office_id)
    errors, clean = {}, {}
    for field, (low, high) in LADDER_LIMITS.items():
        value = values.get(field)
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[field] = str(_l("Enter a whole number of working days."))
            continue
        if not low <= number <= high:
            errors[field] = str(_l("Enter a number from %(low)d to %(high)d.", low=low, high=high))
        clean[field] = number
    if not errors:
        errors = {field: str(LADDER_ORDER[rule]) for field, rule in chase_rules.ladder_problems(clean).items()}
    if errors:
        raise ValidationFailed(details=errors)
    settings = db.session.scalar(sa.select(ChaseSettings).where(ChaseSettings.office_id == office.id))
    if settings is None:
        settings = ChaseSettings(office_id=office.id)
        db.session.add(settings)
    for field, number in clean.items():
        setattr(settings, field, number)
    settings.updated_by_id = user.id
    db.session.commit()
    return settings


def retention_runs(user: User, limit: int = 10) -> list[JobRun]:
    """The latest retention runs with their counts (no personal data is kept in them)."""
    require_role(user, Role.ADMIN, Role.MONITOR, Role.DIRECTOR)
    return list(
        db.session.scalars(
            sa.select(JobRun).where(JobRun.job == "retention").order_by(JobRun.started_at.desc()).limit(limit)
        )
    )
