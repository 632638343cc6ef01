"""A whole organisation from one TOML file: the city, its offices, their units and counters, and the staff.

What a city's IT office keeps in its own repository and applies with `flask --app wsgi org import city.toml`
(see examples/city.toml):

    [city]                      code (required), name, name_en
    [[offices]]                 code, name, kind ("household" 戶政事務所 / "district" 區公所), name_en, address,
                                phone, active
      [[offices.units]]         code, name, name_en, active                  (課室; code unique in the office)
      [[offices.counters]]      code, name, unit (a unit code of the office), kind ("general", "one_stop",
                                "priority"), name_en, active                 (櫃檯; code unique in the city)
    [[staff]]                   username, name, email, office, unit, role, language, active

Places are matched by code and staff by username: a record that exists is changed only where the file differs,
a field left out of the file stays as it is, and a record missing from the file is left alone (never deleted).
`active = false` closes an office, unit or counter, or disables an account; its history stays in every report.
The whole file applies, or nothing does: every problem is reported with where it is and which field.
"""

import tomllib

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import City, Counter, Office, Unit, User
from .errors import ValidationFailed
from .org import ImportReport, all_or_nothing, require_city_admin, save_city, save_counter, save_office, save_unit
from .staff import save_staff_rows

SECTIONS = {"city", "offices", "staff"}
CITY_FIELDS = {"code", "name", "name_en"}
OFFICE_FIELDS = {"code", "name", "name_en", "kind", "address", "phone", "active", "units", "counters"}
UNIT_FIELDS = {"code", "name", "name_en", "active"}
COUNTER_FIELDS = {"code", "name", "name_en", "kind", "unit", "active"}
STAFF_FIELDS = {"username", "name", "email", "office", "unit", "role", "language", "active"}


def read_organisation(data: bytes | str) -> dict:
    """The parsed file; ValidationFailed naming the line when it is not TOML."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        return tomllib.loads(text)
    except UnicodeDecodeError:
        raise ValidationFailed(_l("The file is not UTF-8 text."), code="bad_file") from None
    except tomllib.TOMLDecodeError as error:
        raise ValidationFailed(_l("The file is not valid TOML: %(error)s", error=str(error)), code="bad_file",
                               details={"file": str(error)}) from None


def _tables(report: ImportReport, parent: dict, key: str, where: str) -> list[dict]:
    items = parent.get(key, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        report.problem(where, key, _l("Write each entry as a [[%(key)s]] table.", key=key))
        return []
    return items


def _fields(report: ImportReport, item: dict, allowed: set[str], where: str) -> dict:
    for key in sorted(set(item) - allowed):
        report.problem(where, key, _l("Unknown field; use %(fields)s.", fields=", ".join(sorted(allowed))))
    return {key: value for key, value in item.items() if key in allowed and key not in ("units", "counters")}


def _save(report: ImportReport, where: str, save, *args):
    """Call a save; its per-field errors become problems of this place. The record, or None when refused."""
    try:
        saved = save(*args)
    except ValidationFailed as error:
        for name, message in error.details.items():
            report.problem(where, name, message)
        return None
    report.add(saved)
    return saved.record


def _code(item: dict) -> str:
    return str(item.get("code") or "").strip().upper()


def _apply(document: dict, report: ImportReport, by: User | None) -> None:
    for key in sorted(set(document) - SECTIONS):
        report.problem(key, key, _l("Unknown section; use [city], [[offices]] and [[staff]]."))
    city_table = document.get("city")
    if not isinstance(city_table, dict) or not _code(city_table):
        report.problem("city", "code", _l("The file needs a [city] table with its code."))
        return
    values = _fields(report, city_table, CITY_FIELDS, "city")
    city = db.session.scalar(sa.select(City).where(City.code == _code(city_table)))
    if by is not None and (city is None or by.city_id != city.id):
        report.problem("city", "code", _l("You administer another city."))
        return
    city = _save(report, "city", save_city, values, city, by)
    if city is None:
        return

    offices_seen: set[str] = set()
    counters_seen: set[str] = set()
    for position, office_table in enumerate(_tables(report, document, "offices", "offices"), start=1):
        code = _code(office_table)
        where = f"office {code}" if code else f"office #{position}"
        if code in offices_seen:
            report.problem(where, "code", _l("This office is in the file twice."))
            continue
        offices_seen.add(code)
        values = _fields(report, office_table, OFFICE_FIELDS, where)
        office = db.session.scalar(sa.select(Office).where(Office.code == code)) if code else None
        if office is not None and office.city_id != city.id:
            report.problem(where, "code", _l("Another city's office has that code."))
            continue
        office = _save(report, where, save_office, city, values, office, by)
        if office is None:
            continue
        units_seen: set[str] = set()
        for number, unit_table in enumerate(_tables(report, office_table, "units", where), start=1):
            unit_code = _code(unit_table)
            unit_where = f"unit {office.code}/{unit_code}" if unit_code else f"{where} unit #{number}"
            if unit_code in units_seen:
                report.problem(unit_where, "code", _l("This unit is in the file twice."))
                continue
            units_seen.add(unit_code)
            unit = db.session.scalar(sa.select(Unit).where(Unit.office_id == office.id, Unit.code == unit_code))
            _save(report, unit_where, save_unit, office, _fields(report, unit_table, UNIT_FIELDS, unit_where),
                  unit, by)
        for number, counter_table in enumerate(_tables(report, office_table, "counters", where), start=1):
            counter_code = _code(counter_table)
            counter_where = f"counter {counter_code}" if counter_code else f"{where} counter #{number}"
            if counter_code in counters_seen:
                report.problem(counter_where, "code", _l("This counter is in the file twice."))
                continue
            counters_seen.add(counter_code)
            counter = db.session.scalar(sa.select(Counter).where(Counter.code == counter_code))
            if counter is not None and counter.office_id != office.id:
                report.problem(counter_where, "code", _l("That counter belongs to office %(code)s.",
                                                         code=counter.office.code))
                continue
            _save(report, counter_where, save_counter, office,
                  _fields(report, counter_table, COUNTER_FIELDS, counter_where), counter, by)

    rows = []
    for position, person in enumerate(_tables(report, document, "staff", "staff"), start=1):
        username = str(person.get("username") or "").strip()
        where = f"user {username}" if username else f"staff #{position}"
        rows.append((where, _fields(report, person, STAFF_FIELDS, where)))
    save_staff_rows(city, rows, report, by=by)


def import_organisation(data: bytes | str, dry_run: bool = False, by: User | None = None) -> ImportReport:
    """Apply an organisation file: all of it or nothing; a dry run reports the changes and keeps none."""
    require_city_admin(by)
    document = read_organisation(data)
    return all_or_nothing(lambda report: _apply(document, report, by), dry_run)
