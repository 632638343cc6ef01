"""The organisation as an admin keeps it: the city, its offices (戶政事務所 / 區公所), units (課室) and counters (櫃檯).

Every save takes the fields to set (a field left out stays as it was), checks them all, and either raises
ValidationFailed with one message per field and changes nothing, or sets them and says which fields changed. The
pages, the command line and the organisation file all save through here. Nothing is ever deleted: closing a place is
`active = False`, so its rows, ratings and cases stay in every report; it only leaves the pickers for new data.
"""

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import City, Counter, Office, Role, Unit, User
from .access import can_access_office, require_role
from .contact import phone_error
from .defaults import ensure_city_defaults
from .errors import AccessDenied, ValidationFailed

OFFICE_KINDS = {
    "household": _l("Household registration office (戶政事務所)"),
    "district": _l("District office (區公所)"),
}
COUNTER_KINDS = {
    "general": _l("Counter"),
    "one_stop": _l("One-stop counter (綜合受理)"),
    "priority": _l("Priority counter (博愛)"),
}
# Codes appear on posters, kiosks and in files: short, upper-case, unambiguous.
CITY_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
OFFICE_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,15}$")
UNIT_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")
COUNTER_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")


@dataclass
class Saved:
    """One saved place: what it is, whether it is new, which fields changed."""

    record: object
    created: bool = False
    changed: list[str] = field(default_factory=list)

    @property
    def action(self) -> str | None:
        """created, deactivated, reactivated, updated, or None when nothing changed."""
        if self.created:
            return "created"
        if "active" in self.changed:
            return "reactivated" if self.record.active else "deactivated"
        return "updated" if self.changed else None


def describe(record) -> str:
    """How a change report names a place: office ZS, unit ZS/REG, counter ZS-01, city TPE."""
    if isinstance(record, Unit):
        return f"unit {record.office.code}/{record.code}"
    if isinstance(record, User):
        return f"user {record.username}"
    return f"{type(record).__name__.lower()} {record.code}"


def require_city_admin(user: User | None) -> None:
    """The city and its offices concern every office: only a city-wide admin changes them (None: the command line)."""
    if user is None:
        return
    require_role(user, Role.ADMIN)
    if user.office_id is not None:
        raise AccessDenied()


def require_office_admin(user: User | None, office: Office) -> None:
    """Units and counters of an office: an admin who may reach that office (None: the command line)."""
    if user is None:
        return
    require_role(user, Role.ADMIN)
    if not can_access_office(user, office.id):
        raise AccessDenied()


def _clean(values: dict, lengths: dict[str, int], errors: dict, required: tuple[str, ...], creating: bool) -> dict:
    """Strip texts, turn empty optional texts into None, check lengths and required fields."""
    cleaned = {}
    for key, limit in lengths.items():
        if key not in values:
            if creating and key in required:
                errors[key] = str(_l("Required."))
            continue
        value = values[key]
        value = str(value).strip() if value is not None else ""
        if not value:
            if key in required:
                errors[key] = str(_l("Required."))
                continue
            cleaned[key] = None
        elif len(value) > limit:
            errors[key] = str(_l("At most %(n)d characters.", n=limit))
        else:
            cleaned[key] = value
    if "active" in values:
        if isinstance(values["active"], bool):
            cleaned["active"] = values["active"]
        else:
            errors["active"] = str(_l("Write true or false."))
    return cleaned


def _code(cleaned: dict, pattern: re.Pattern, errors: dict, hint) -> None:
    if cleaned.get("code") is not None:
        cleaned["code"] = cleaned["code"].upper()
        if not pattern.match(cleaned["code"]):
            errors["code"] = str(hint)


def _apply(record, cleaned: dict) -> list[str]:
    changed = []
    for key, value in cleaned.items():
        if getattr(record, key) != value:
            setattr(record, key, value)
            changed.append(key)
    return changed


def save_city(values: dict, city: City | None = None, by: User | None = None) -> Saved:
    """Create the city or change its code and names; a new city gets the shipped questionnaires, categories, rules."""
    if city is not None and by is not None and by.city_id != city.id:
        raise AccessDenied()
    require_city_admin(by)
    errors: dict[str, str] = {}
    cleaned = _clean(values, {"code": 16, "name": 64, "name_en": 64}, errors, ("code", "name"), city is None)
    cleaned.pop("active", None)
    _code(cleaned, CITY_CODE, errors, _l("Use 2 to 16 upper-case letters or digits, starting with a letter."))
    if "code" in cleaned and "code" not in errors:
        clash = db.session.scalar(sa.select(City.id).where(City.code == cleaned["code"]))
        if clash is not None and (city is None or clash != city.id):
            errors["code"] = str(_l("Another city has that code."))
    if errors:
        raise ValidationFailed(details=errors)
    if city is None:
        city = City(**cleaned)
        db.session.add(city)
        db.session.flush()
        ensure_city_defaults(city)
        db.session.flush()
        return Saved(city, created=True, changed=sorted(cleaned))
    changed = _apply(city, cleaned)
    db.session.flush()
    return Saved(city, changed=changed)


def save_office(city: City, values: dict, office: Office | None = None, by: User | None = None) -> Saved:
    """Add an office to the city or change one: kind, code, names, address, phone, active."""
    require_city_admin(by)
    if (by is not None and by.city_id != city.id) or (office is not None and office.city_id != city.id):
        raise AccessDenied()
    errors: dict[str, str] = {}
    cleaned = _clean(values, {"code": 16, "name": 64, "name_en": 64, "kind": 16, "address": 200, "phone": 32},
                     errors, ("code", "name", "kind"), office is None)
    _code(cleaned, OFFICE_CODE, errors, _l("Use 1 to 16 upper-case letters or digits, starting with a letter."))
    if "kind" in cleaned and cleaned["kind"] not in OFFICE_KINDS:
        errors["kind"] = str(_l("Choose 戶政事務所 (household) or 區公所 (district)."))
    if cleaned.get("phone") and (problem := phone_error(cleaned["phone"])):
        errors["phone"] = problem
    if _taken(cleaned, errors, office, sa.select(Office.id).where(Office.code == cleaned.get("code"))):
        errors["code"] = str(_l("Another office has that code."))
    return _store(Office, office, cleaned, errors, city_id=city.id)


def _taken(cleaned: dict, errors: dict, record, same_code) -> bool:
    """Whether the code being saved belongs to another record (`same_code` selects the ids holding it)."""
    if "code" not in cleaned or "code" in errors:
        return False
    clash = db.session.scalar(same_code)
    return clash is not None and (record is None or clash != record.id)


def _store(model, record, cleaned: dict, errors: dict, defaults: dict | None = None, **parent) -> Saved:
    """Refuse on any error; else add a new, open record or apply the changes to the existing one."""
    if errors:
        raise ValidationFailed(details=errors)
    if record is None:
        record = model(**({"active": True} | (defaults or {}) | cleaned), **parent)
        db.session.add(record)
        db.session.flush()
        return Saved(record, created=True, changed=sorted(cleaned))
    changed = _apply(record, cleaned)
    db.session.flush()
    return Saved(record, changed=changed)


def save_unit(office: Office, values: dict, unit: Unit | None = None, by: User | None = None) -> Saved:
    """Add a unit (課室) to an office or change one."""
    require_office_admin(by, office)
    if unit is not None and unit.office_id != office.id:
        raise AccessDenied()
    errors: dict[str, str] = {}
    cleaned = _clean(values, {"code": 16, "name": 64, "name_en": 64}, errors, ("code", "name"), unit is None)
    _code(cleaned, UNIT_CODE, errors,
          _l("Use 1 to 16 upper-case letters, digits or _, starting with a letter."))
    same_code = sa.select(Unit.id).where(Unit.office_id == office.id, Unit.code == cleaned.get("code"))
    if _taken(cleaned, errors, unit, same_code):
        errors["code"] = str(_l("Another unit of this office has that code."))
    return _store(Unit, unit, cleaned, errors, office_id=office.id)


def save_counter(office: Office, values: dict, counter: Counter | None = None, by: User | None = None) -> Saved:
    """Add a counter (櫃檯) to an office or change one; `unit` is the code of a unit of the same office."""
    require_office_admin(by, office)
    if counter is not None and counter.office_id != office.id:
        raise AccessDenied()
    errors: dict[str, str] = {}
    cleaned = _clean(values, {"code": 32, "name": 64, "name_en": 64, "kind": 16, "unit": 16}, errors,
                     ("code", "name", "unit"), counter is None)
    _code(cleaned, COUNTER_CODE, errors, _l("Use upper-case letters, digits or -, such as ZS-01."))
    if "kind" in cleaned:
        if cleaned["kind"] is None:
            cleaned["kind"] = "general"
        elif cleaned["kind"] not in COUNTER_KINDS:
            errors["kind"] = str(_l("Choose a general, one-stop or priority counter."))
    if "unit" in cleaned:
        unit_code = cleaned.pop("unit").upper()
        unit = db.session.scalar(sa.select(Unit).where(Unit.office_id == office.id, Unit.code == unit_code))
        if unit is None:
            errors["unit"] = str(_l("This office has no unit %(code)s.", code=unit_code))
        elif not unit.active and (counter is None or counter.unit_id != unit.id):
            errors["unit"] = str(_l("Unit %(code)s is closed; choose an open one.", code=unit_code))
        else:
            cleaned["unit_id"] = unit.id
    if _taken(cleaned, errors, counter, sa.select(Counter.id).where(Counter.code == cleaned.get("code"))):
        errors["code"] = str(_l("Another counter has that code."))
    saved = _store(Counter, counter, cleaned, errors, defaults={"kind": "general"}, office_id=office.id)
    saved.changed = ["unit" if key == "unit_id" else key for key in saved.changed]
    return saved


# --- pickers for new data: only open places; report filters keep listing every place -----------------------------


def open_offices(office_ids) -> list[Office]:
    """The active offices among these, for pickers of new cases, tokens and posters."""
    return list(db.session.scalars(
        sa.select(Office).where(Office.id.in_(list(office_ids)), Office.active.is_(True)).order_by(Office.code)))


def open_counters_stmt():
    """Counters that take ratings: the counter, its unit and its office are active."""
    return (sa.select(Counter).join(Unit, Unit.id == Counter.unit_id).join(Office, Office.id == Counter.office_id)
            .where(Counter.active.is_(True), Unit.active.is_(True), Office.active.is_(True)))


# --- imports: every change or none, and a report of what changed ---------------------------------------------------


@dataclass
class ImportReport:
    """What an import changed (or, in a dry run, would change): one line per changed record, problems by place."""

    dry_run: bool = False
    changes: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (action, what, fields)
    unchanged: int = 0
    without_password: list[str] = field(default_factory=list)  # new accounts, usernames
    problems: dict[str, str] = field(default_factory=dict)  # "row 3, email" -> message

    def add(self, saved: Saved) -> None:
        if saved.action is None:
            self.unchanged += 1
        else:
            fields = [] if saved.created else [name for name in saved.changed if name != "active"]
            self.changes.append((saved.action, describe(saved.record), fields))

    def problem(self, where: str, field_name: str, message) -> None:
        self.problems.setdefault(f"{where}, {field_name}", str(message))

    def lines(self) -> list[str]:
        """The changes as an operator reads them: "updated office ZS: phone, address"."""
        return [f"{action} {what}" + (f": {', '.join(fields)}" if fields else "")
                for action, what, fields in self.changes]


class _DryRun(Exception):
    """Raised inside the savepoint of a dry run so that everything it did is undone."""


def all_or_nothing(work, dry_run: bool = False) -> ImportReport:
    """Run work(report) in a savepoint: kept (for the caller to commit) only if no problem came up and not a dry run.

    On a problem raises ValidationFailed listing every one, with nothing changed."""
    report = ImportReport(dry_run=dry_run)
    try:
        with db.session.begin_nested():
            work(report)
            if report.problems:
                raise ValidationFailed(_l("Some entries are not valid; nothing was changed."), code="bad_rows",
                                       details=report.problems)
            if dry_run:
                raise _DryRun()
    except _DryRun:
        pass
    return report
