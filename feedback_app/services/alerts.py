"""Real-time satisfaction alerts: raising them from fresh taps, telling the right people, listing them for
managers and acknowledging them with a comment."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..links import public_url
from ..models import Alert, Counter, Office, Rating, Role, User, utcnow
from . import notify
from .access import ensure_access, require_role, scoped
from .errors import Conflict, ValidationFailed
from .staff_language import in_staff_language

MANAGERS = (Role.SUPERVISOR, Role.MONITOR, Role.DIRECTOR, Role.ADMIN)
KIND = "alert"
UNHAPPY_MAX_SCORE = 2


def alert_settings() -> tuple[timedelta, int, float]:
    config = current_app.config
    return (
        timedelta(minutes=config.get("ALERT_WINDOW_MINUTES", 15)),
        config.get("ALERT_MIN_RATINGS", 4),
        config.get("ALERT_UNHAPPY_SHARE", 0.5),
    )


def check_alert(counter_id: int, unhappy_taps: list[datetime], now: datetime | None = None) -> Alert | None:
    """Raise an alert when newly stored unhappy taps bring a counter's unhappy share over the threshold.

    Everything is judged by tap time, not by when the ratings arrived: the window is the one ending at the
    newest of these taps. A tap older than one window is history (an offline kiosk's queue sent late) and a tap
    no later than what the counter's last alert already covered belongs to that alert's episode, so neither
    raises one: late taps never re-fire an alert over live ratings that already had one, acknowledged or not.
    One alert while one is open."""
    now = now or utcnow()
    window, minimum, share = alert_settings()
    covered_until = db.session.scalar(sa.select(sa.func.max(Alert.window_start)).where(Alert.counter_id == counter_id))
    if covered_until is not None:
        covered_until += window
    fresh = [tap for tap in unhappy_taps if tap > now - window and (covered_until is None or tap > covered_until)]
    if not fresh:
        return None
    end = max(fresh)
    start = end - window
    total, unhappy = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(Rating.score <= UNHAPPY_MAX_SCORE)).where(
            Rating.counter_id == counter_id,
            Rating.tapped_at >= start,
            Rating.tapped_at <= end,
            Rating.is_noise.is_(False),
            Rating.score.is_not(None),
        )
    ).one()
    if total < minimum or unhappy < share * total:
        return None
    # Lock the counter so two requests at once raise one alert.
    counter = db.session.scalars(sa.select(Counter).where(Counter.id == counter_id).with_for_update()).one()
    open_alert = db.session.scalar(
        sa.select(Alert.id).where(Alert.counter_id == counter_id, Alert.acknowledged_at.is_(None)).limit(1)
    )
    if open_alert is not None:
        return None
    alert = Alert(
        office_id=counter.office_id,
        unit_id=counter.unit_id,
        counter_id=counter.id,
        triggered_at=now,
        window_start=start,
        ratings=total,
        unhappy=unhappy,
    )
    db.session.add(alert)
    db.session.flush()
    _notify(alert, counter)
    return alert


def recipients(counter: Counter) -> list[User]:
    """Who hears of an alert at a counter: the unit's supervisors (and the office's supervisors of no one unit);
    an office without one, its director; an office without either, the admins of the office and of its city."""
    active = sa.select(User).where(User.active.is_(True))
    supervisors = active.where(
        User.role == Role.SUPERVISOR,
        User.office_id == counter.office_id,
        sa.or_(User.unit_id == counter.unit_id, User.unit_id.is_(None)),
    )
    directors = active.where(User.role == Role.DIRECTOR, User.office_id == counter.office_id)
    city_id = sa.select(Office.city_id).where(Office.id == counter.office_id).scalar_subquery()
    admins = active.where(
        User.role == Role.ADMIN,
        User.city_id == city_id,
        sa.or_(User.office_id == counter.office_id, User.office_id.is_(None)),
    )
    for stmt in (supervisors, directors, admins):
        users = db.session.scalars(stmt.order_by(User.id)).all()
        if users:
            return list(users)
    return []


def _key(alert_id: int, user_id: int, channel: str) -> str:
    return f"{KIND}:{alert_id}:{user_id}:{channel}"


def _words(alert: Alert, counter: Counter, user: User) -> tuple[str, str]:
    """The alert's subject and body in the reader's language (theirs, else the office's), never in the language
    of the kiosk or browser whose rating raised it."""
    with in_staff_language(user, alert.office_id):
        subject = str(_l("Satisfaction alert: counter %(counter)s", counter=counter.code))
        body = str(
            _l(
                "%(unhappy)d of the last %(total)d ratings at counter %(counter)s (%(name)s) were dissatisfied. "
                "Please look into it and acknowledge the alert.",
                unhappy=alert.unhappy,
                total=alert.ratings,
                counter=counter.code,
                name=counter.name,
            )
        )
    return subject, body


def _notify(alert: Alert, counter: Counter) -> None:
    link = public_url(f"/alerts/#alert-{alert.id}")
    for user in recipients(counter):
        subject, body = _words(alert, counter, user)
        if user.email:
            notify.queue(
                key=_key(alert.id, user.id, "email"),
                channel="email",
                kind=KIND,
                subject=subject,
                body=f"{body}\n{link}",
                recipient=user.email,
                user_id=user.id,
                office_id=alert.office_id,
                link=link,
            )
        notify.queue(
            key=_key(alert.id, user.id, "inapp"),
            channel="inapp",
            kind=KIND,
            subject=subject,
            body=body,
            user_id=user.id,
            office_id=alert.office_id,
            link=link,
        )


def acknowledged_already(key: str) -> bool:
    """Whether the alert an alert message (by its ledger key) is about has been acknowledged: its mail has
    nothing left to ask for, so the delivery job does not send it."""
    try:
        alert_id = int(key.split(":")[1])
    except (IndexError, ValueError):
        return False
    return db.session.scalar(sa.select(Alert.acknowledged_at.is_not(None)).where(Alert.id == alert_id)) is True


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
