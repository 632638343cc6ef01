"""Staff as an admin keeps them: one account at a time, a CSV of many, disabling, and the first admin.

Accounts are matched by username: saving a username that exists changes that account (only what differs), so a
staff list imported twice changes nothing the second time. A new account has no usable password until an admin or
the command line sets one (`flask users set-password`, or "Set password" on the account's page). Disabling keeps the
account and every case it handled; its open cases stay assigned to it and are listed as needing reassignment.
"""

import re
from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..i18n import PAGE_LANGUAGES
from ..models import UNIT_ROLES, Case, CaseState, City, Office, Role, Unit, User
from .access import can_access_office, require_role
from .errors import AccessDenied, ValidationFailed
from .org import ImportReport, Saved, all_or_nothing, require_city_admin, save_city
from .spreadsheet import read_table
from .users import UNUSABLE_PASSWORD, password_problem

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COLUMNS = ("username", "name", "email", "office", "unit", "role", "language", "active")
REQUIRED_COLUMNS = ("username", "name", "role")
TRUE_WORDS = {"true", "yes", "y", "1", "是"}
FALSE_WORDS = {"false", "no", "n", "0", "否"}
MAX_ROWS = 5000


def _require_staff_admin(by: User | None, *office_ids: int | None) -> None:
    """A city-wide admin manages every account of the city; an office's admin only that office's staff."""
    if by is None:
        return
    require_role(by, Role.ADMIN)
    if by.office_id is None:
        return
    if any(office_id is None or not can_access_office(by, office_id) for office_id in office_ids):
        raise AccessDenied()


def save_staff(city: City, values: dict, user: User | None = None, by: User | None = None) -> Saved:
    """Add or change one account. Keys: username, name, email, office and unit (codes), role, language, active.

    A key left out stays as it was; an empty office means city-wide. Every problem is reported, per field."""
    errors: dict[str, str] = {}
    username = str(values.get("username") or (user.username if user else "")).strip().lower()
    if user is None:
        if not USERNAME.match(username):
            errors["username"] = str(_l("Use 2 to 64 lower-case letters, digits, . _ or -."))
        else:
            user = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username))
            if user is not None and user.city_id != city.id:
                errors["username"] = str(_l("That username belongs to another city."))
    creating = user is None
    cleaned: dict = {}
    if "name" in values or creating:
        name = str(values.get("name") or "").strip()
        if not name:
            errors["name"] = str(_l("Required."))
        elif len(name) > 64:
            errors["name"] = str(_l("At most %(n)d characters.", n=64))
        cleaned["display_name"] = name
    if "email" in values:
        email = str(values.get("email") or "").strip() or None
        if email and (len(email) > 254 or not EMAIL.match(email)):
            errors["email"] = str(_l("Not an email address."))
        cleaned["email"] = email
    role = str(values["role"]).strip().lower() if "role" in values else (user.role if user else "")
    if role not in set(Role):
        errors["role"] = str(_l("Choose one of: %(roles)s.", roles=", ".join(r.value for r in Role)))
    cleaned["role"] = role
    office = user.office if user else None
    if "office" in values:
        code = str(values.get("office") or "").strip().upper()
        office = db.session.scalar(sa.select(Office).where(Office.code == code, Office.city_id == city.id)) \
            if code else None
        if code and office is None:
            errors["office"] = str(_l("This city has no office %(code)s.", code=code))
        elif office is not None and not office.active and (user is None or user.office_id != office.id):
            errors["office"] = str(_l("Office %(code)s is closed.", code=code))
    unit = user.unit if user and office is not None and user.office_id == office.id else None
    if "unit" in values or "office" in values:
        code = str(values.get("unit") or "").strip().upper()
        unit = None
        if code and office is None and "office" not in errors:
            errors["unit"] = str(_l("A unit needs an office."))
        elif code and office is not None:
            unit = db.session.scalar(sa.select(Unit).where(Unit.office_id == office.id, Unit.code == code))
            if unit is None:
                errors["unit"] = str(_l("Office %(office)s has no unit %(code)s.", office=office.code, code=code))
            elif not unit.active and (user is None or user.unit_id != unit.id):
                errors["unit"] = str(_l("Unit %(code)s is closed.", code=code))
    if role in UNIT_ROLES and unit is None and not ({"office", "unit"} & errors.keys()):
        errors["unit"] = str(_l("Case officers and supervisors belong to a unit of an office."))
    cleaned["office_id"] = office.id if office else None
    cleaned["unit_id"] = unit.id if unit else None
    if "language" in values:
        language = str(values.get("language") or "").strip() or None
        if language is not None:
            language = language.replace("-", "_")
            language = next((code for code in PAGE_LANGUAGES if code.lower() == language.lower()), language)
        if language is not None and language not in PAGE_LANGUAGES:
            errors["language"] = str(_l("Choose one of: %(codes)s.", codes=", ".join(PAGE_LANGUAGES)))
        cleaned["locale"] = language
    if "active" in values:
        if isinstance(values["active"], bool):
            cleaned["active"] = values["active"]
        else:
            errors["active"] = str(_l("Write true or false."))
    if errors:
        raise ValidationFailed(details=errors)
    _require_staff_admin(by, cleaned["office_id"], *([user.office_id] if user else []))
    if by is not None and (role == Role.ADMIN or (user and user.role == Role.ADMIN)):
        require_city_admin(by)
    if by is not None and user is not None and user.id == by.id and cleaned.get("active") is False:
        raise ValidationFailed(details={"active": str(_l("You cannot disable your own account."))})
    if creating:
        user = User(**({"active": True} | cleaned), username=username, city_id=city.id, password_hash=UNUSABLE_PASSWORD)
        db.session.add(user)
        db.session.flush()
        return Saved(user, created=True, changed=sorted(cleaned))
    changed = []
    for key, value in cleaned.items():
        if getattr(user, key) != value:
            setattr(user, key, value)
            changed.append({"display_name": "name", "office_id": "office", "unit_id": "unit",
                            "locale": "language"}.get(key, key))
    db.session.flush()
    return Saved(user, changed=changed)


def set_active(user: User, active: bool, by: User | None = None) -> list[Case]:
    """Disable (or enable again) an account; returns its open cases, which stay assigned to it until reassigned."""
    values = {"active": active}
    save_staff(user.city, values, user=user, by=by)
    return open_cases_of(user)


def open_cases_of(user: User) -> list[Case]:
    """Open cases assigned to this account, oldest due first."""
    return list(db.session.scalars(
        sa.select(Case).where(Case.assignee_id == user.id, Case.state.in_(CaseState.OPEN)).order_by(Case.due_at)))


def open_case_counts(user_ids) -> dict[int, int]:
    """How many open cases each of these accounts holds."""
    rows = db.session.execute(
        sa.select(Case.assignee_id, sa.func.count()).where(Case.assignee_id.in_(list(user_ids)),
                                                           Case.state.in_(CaseState.OPEN))
        .group_by(Case.assignee_id))
    return dict(rows.all())


def read_staff_csv(data: bytes) -> list[tuple[int, dict]]:
    """(row number, values) for each non-empty row; the header names the columns (username, name, role required)."""
    message = _l("The first line must name the columns: %(columns)s (username, name and role are required).",
                 columns=", ".join(COLUMNS))
    rows, _encoding = read_table(data, COLUMNS, REQUIRED_COLUMNS, message, fold_case=True)
    for _line, values in rows:
        if isinstance(values.get("active"), str):
            word = values["active"].lower()
            values["active"] = True if word in TRUE_WORDS or word == "" else False if word in FALSE_WORDS \
                else values["active"]
    if not rows:
        raise ValidationFailed(_l("The file has no staff."), code="empty")
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(_l("At most %(n)d rows per file; split the file.", n=MAX_ROWS), code="too_many")
    return rows


def save_staff_rows(city: City, rows: list[tuple[str, dict]], report: ImportReport, by: User | None = None) -> None:
    """Save each (where, values) row into the report: its change, or its problems by field."""
    seen: dict[str, str] = {}
    for where, values in rows:
        if values.get("_extra"):
            report.problem(where, str(_l("columns")), _l("The row has more cells than the header."))
            continue
        username = str(values.get("username") or "").strip().lower()
        if username in seen:
            report.problem(where, "username", _l("Already on %(where)s.", where=seen[username]))
            continue
        seen[username] = where
        try:
            saved = save_staff(city, values, by=by)
        except ValidationFailed as error:
            for name, message in error.details.items():
                report.problem(where, name, message)
            continue
        report.add(saved)
        if saved.created:
            report.without_password.append(saved.record.username)


def import_staff(city: City, data: bytes, dry_run: bool = False, by: User | None = None) -> ImportReport:
    """Import a staff CSV for a city: every row or none; existing usernames are updated, never duplicated."""
    require_city_admin(by)
    rows = read_staff_csv(data)
    labelled = [(str(_l("row %(n)d", n=line)), values) for line, values in rows]
    return all_or_nothing(lambda report: save_staff_rows(city, labelled, report, by=by), dry_run)


def bootstrap_admin(city_code: str, city_name: str | None, username: str, display_name: str, password: str,
                    on_city: Callable[[Saved], None] | None = None) -> tuple[City, User | None]:
    """The first admin of a city, creating the city when it is missing; (city, None) when that admin exists."""
    problem = password_problem(password, username)
    if problem:
        raise ValidationFailed(code="weak_password", details={"password": problem})
    city = db.session.scalar(sa.select(City).where(City.code == (city_code or "").strip().upper()))
    if city is None:
        saved = save_city({"code": city_code, "name": city_name or city_code})
        city = saved.record
        if on_city:
            on_city(saved)
    existing = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username.strip().lower()))
    if existing is not None:
        if existing.city_id == city.id and existing.role == Role.ADMIN and existing.office_id is None:
            return city, None
        raise ValidationFailed(details={"username": str(_l("That username is taken."))})
    saved = save_staff(city, {"username": username, "name": display_name or username, "role": Role.ADMIN})
    saved.record.set_password(password)
    db.session.flush()
    return city, saved.record
