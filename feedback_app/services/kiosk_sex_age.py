"""The kiosk's optional sex and age-group step (性別主流化), which an office turns on.

The rating is sent on the tap exactly as without the step. The step comes after it, can be skipped and closes
by itself; what the citizen answered follows as an update of that rating, keyed by its UUID, which the kiosk
sends only once its queue has handed the rating itself over. So the step never holds, delays or loses a rating:
skipping, the time running out, a reload or the network dropping leave the rating as it was tapped, and the
kiosk's alerts and figures see it at once. (Holding the tap until the step closed would delay every rating of
an office that turns the step on, and lose the attachment of the two if the page were reloaded meanwhile.)

The answers take the QR survey's codes (defaults.SEX, defaults.AGE_GROUPS), so the quarterly 性別主流化 table
counts kiosk and QR answers together. An answer fills only a rating's empty sex and age group, once; a rating
already folded into the roll-ups is taken out first, so the figures move with it."""

import uuid as uuidlib

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Office, OfficeKioskSettings, Rating, Role, User, utcnow
from .access import ensure_access, require_role
from .defaults import AGE_GROUPS, SEX
from .errors import ValidationFailed
from .rollups import unfold

SEX_CODES = tuple(o["code"] for o in SEX)
AGE_CODES = tuple(o["code"] for o in AGE_GROUPS)
MAX_ITEMS = 100
# What the kiosk answers for each update; every one is final (the kiosk forgets it).
STORED = "stored"
DUPLICATE = "already_stored"
CONFLICT = "conflict"
UNKNOWN = "unknown"
INVALID = "invalid"


def asks_sex_age(office_id: int) -> bool:
    settings = db.session.get(OfficeKioskSettings, office_id)
    return settings is not None and settings.ask_sex_age


def offices_for(user: User) -> list[tuple[Office, bool]]:
    """The active offices the admin may set up, each with whether its kiosks ask sex and age."""
    require_role(user, Role.ADMIN)
    stmt = sa.select(Office).where(Office.city_id == user.city_id, Office.active.is_(True)).order_by(Office.code)
    if user.office_id is not None:
        stmt = stmt.where(Office.id == user.office_id)
    offices = db.session.scalars(stmt).all()
    on = set(
        db.session.scalars(
            sa.select(OfficeKioskSettings.office_id).where(
                OfficeKioskSettings.office_id.in_([o.id for o in offices]), OfficeKioskSettings.ask_sex_age
            )
        )
    )
    return [(office, office.id in on) for office in offices]


def set_ask_sex_age(user: User, office_id: int, on: bool) -> None:
    """Turn an office's kiosk step on or off; an admin of that office."""
    require_role(user, Role.ADMIN)
    office = ensure_access(user, db.session.get(Office, office_id), office_id=office_id)
    settings = db.session.get(OfficeKioskSettings, office.id)
    if settings is None:
        settings = OfficeKioskSettings(office_id=office.id)
        db.session.add(settings)
    settings.ask_sex_age = bool(on)
    settings.updated_at = utcnow()
    settings.updated_by_id = user.id
    db.session.flush()


def step_config(office_id: int) -> dict | None:
    """The step as the kiosk renders it (options in five languages), or None where the office has it off."""
    if not asks_sex_age(office_id):
        return None
    return {"sex": SEX, "age_group": AGE_GROUPS}


def _checked(raw) -> tuple[str, str | None, str | None]:
    if not isinstance(raw, dict):
        raise ValueError
    rating_uuid = str(uuidlib.UUID(str(raw.get("uuid"))))
    sex, age = raw.get("sex"), raw.get("age_group")
    if sex is not None and sex not in SEX_CODES:
        raise ValueError
    if age is not None and age not in AGE_CODES:
        raise ValueError
    if sex is None and age is None:
        raise ValueError
    return rating_uuid, sex, age


def attach(device_id: int, items) -> list[dict]:
    """Attach a kiosk's step answers to its stored ratings: one result per item, in the order sent."""
    if not isinstance(items, list) or not items or len(items) > MAX_ITEMS:
        raise ValidationFailed(details={"answers": str(_l("Send 1 to %(n)d answers as a list.", n=MAX_ITEMS))})
    results = []
    for raw in items:
        try:
            rating_uuid, sex, age = _checked(raw)
        except (ValueError, TypeError):
            given = raw.get("uuid") if isinstance(raw, dict) else None
            results.append({"uuid": given if isinstance(given, str) else None, "status": INVALID})
            continue
        rating = db.session.scalar(
            sa.select(Rating).where(Rating.uuid == rating_uuid, Rating.device_id == device_id).with_for_update()
        )
        results.append({"uuid": rating_uuid, "status": _fill(rating, sex, age)})
    db.session.flush()
    return results


def _fill(rating: Rating | None, sex: str | None, age: str | None) -> str:
    if rating is None:
        return UNKNOWN  # never stored from this kiosk (refused, say): nothing to attach to
    if rating.sex is None and rating.age_group is None:
        unfold([rating.id])
        rating.sex, rating.age_group = sex, age
        return STORED
    return DUPLICATE if (rating.sex, rating.age_group) == (sex, age) else CONFLICT
