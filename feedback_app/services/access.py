"""Who may see what: the one place where office scoping is enforced.

Staff of an office see only that office's records; city-wide staff see every office of their city.
Every query for office-owned records goes through `scoped()`, every single record through `ensure_access()`.
"""

import sqlalchemy as sa
from sqlalchemy.sql import Select

from ..extensions import db
from ..models import Office, Role, User
from .errors import AccessDenied, NotFound


def visible_office_ids(user: User) -> list[int]:
    """Ids of the offices whose records the user may read."""
    if user.office_id is not None:
        return [user.office_id]
    return list(db.session.scalars(sa.select(Office.id).where(Office.city_id == user.city_id)))


def can_access_office(user: User, office_id: int | None) -> bool:
    if office_id is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.office_id is not None:
        return user.office_id == office_id
    office = db.session.get(Office, office_id)
    return office is not None and office.city_id == user.city_id


def ensure_access(user: User, record, *, office_id: int | None = None):
    """The record itself if the user may reach its office; AccessDenied otherwise."""
    if record is None:
        raise NotFound()
    target = office_id if office_id is not None else getattr(record, "office_id", None)
    if not can_access_office(user, target):
        raise AccessDenied()
    return record


def get_scoped(model, record_id, user: User):
    """Load one office-owned record by id, refusing other offices' records."""
    return ensure_access(user, db.session.get(model, record_id))


def scoped(stmt: Select, model, user: User) -> Select:
    """Restrict a select over an office-owned model to the offices the user may read."""
    if user.office_id is not None:
        return stmt.where(model.office_id == user.office_id)
    return stmt.where(model.office_id.in_(sa.select(Office.id).where(Office.city_id == user.city_id)))


def require_role(user: User, *roles: str) -> None:
    if user is None or not user.is_authenticated or user.role not in roles:
        raise AccessDenied()


def require_city_admin(user: User) -> None:
    """What every office of the city shares (rules, categories, reply templates, questionnaires): only a
    city-wide admin, one with no office of their own, changes it."""
    require_role(user, Role.ADMIN)
    if user.office_id is not None:
        raise AccessDenied()


def is_city_admin(user: User) -> bool:
    return is_admin(user) and user.office_id is None


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN
