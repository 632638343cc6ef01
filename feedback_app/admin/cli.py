"""`flask org ...` keeps the organisation; `flask users ...` the staff: the command-line side of the admin pages."""

import os
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..cli import users_cli
from ..cli_errors import fail
from ..extensions import db
from ..models import City, Counter, Office, Unit, User
from ..services import org, staff
from ..services.errors import DomainError

org_cli = AppGroup("org", help="The city, its offices, units (課室) and counters (櫃檯).")
ADMIN_PASSWORD_VARIABLE = "CF_ADMIN_PASSWORD"
PASSWORD_VARIABLE = "CF_PASSWORD"


def _values(**options) -> dict:
    """The options given on the command line (None: left out, so the field stays as it is)."""
    return {key: value for key, value in options.items() if value is not None}


def _city(code: str | None) -> City:
    cities = db.session.scalars(sa.select(City).where(City.code == code.upper()) if code else sa.select(City)).all()
    if len(cities) != 1:
        raise click.ClickException(f"No city with code {code}." if code else "Say which city with --city.")
    return cities[0]


def _office(code: str) -> Office:
    office = db.session.scalar(sa.select(Office).where(Office.code == code.upper()))
    if office is None:
        raise click.ClickException(f"No office with code {code}.")
    return office


def _say(saved: org.Saved) -> None:
    db.session.commit()
    action = saved.action or "unchanged"
    changed = [name for name in saved.changed if name != "active"]
    fields = f": {', '.join(changed)}" if changed and not saved.created else ""
    click.echo(f"{action} {org.describe(saved.record)}{fields}")


def _password(variable: str, username: str) -> str:
    """From the environment variable when set, else typed twice at the terminal; never a command-line option."""
    password = os.environ.get(variable)
    if password is None:
        password = click.prompt(f"Password for {username}", hide_input=True, confirmation_prompt=True,
                                default="", show_default=False)
    return password


@org_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
def import_command(file: Path, dry_run: bool):
    """Apply an organisation file (TOML, see examples/city.toml): everything in it, or nothing."""
    from ..services.org_import import import_organisation

    try:
        report = import_organisation(file.read_bytes(), dry_run=dry_run)
        db.session.rollback() if dry_run else db.session.commit()
    except DomainError as error:
        fail(error)
    prefix = "would have " if dry_run else ""
    for line in report.lines():
        click.echo(prefix + line)
    if not report.changes:
        click.echo("Nothing to change." if dry_run else "Nothing changed.")
    if report.without_password and not dry_run:
        click.echo(f"{len(report.without_password)} new account(s) have no password yet; set one with "
                   "`flask --app wsgi users set-password USERNAME` or on the account's admin page.")


@org_cli.command("show")
def show_command():
    """Print the organisation: offices, units and counters, closed ones marked."""
    for city in db.session.scalars(sa.select(City).order_by(City.code)):
        click.echo(f"{city.code} {city.name}")
        for office in city.offices:
            closed = "" if office.active else " (closed)"
            click.echo(f"  {office.code} {office.name} [{office.kind}]{closed}")
            for unit in office.units:
                click.echo(f"    unit {unit.code} {unit.name}" + ("" if unit.active else " (closed)"))
            for counter in office.counters:
                click.echo(f"    counter {counter.code} {counter.name} [{counter.unit.code}, {counter.kind}]"
                           + ("" if counter.active else " (closed)"))


@org_cli.command("city")
@click.argument("code")
@click.option("--name", help="e.g. 臺北市")
@click.option("--name-en")
@click.option("--new-code", help="Change the city's code.")
def city_command(code, name, name_en, new_code):
    """Create the city CODE, or change its names."""
    city = db.session.scalar(sa.select(City).where(City.code == code.upper()))
    values = _values(name=name, name_en=name_en, code=new_code if city else code)
    try:
        saved = org.save_city(values, city)
    except DomainError as error:
        fail(error)
    _say(saved)


@org_cli.command("office")
@click.argument("code")
@click.option("--city", "city_code", help="City code (default: the only city).")
@click.option("--name")
@click.option("--name-en")
@click.option("--kind", type=click.Choice(list(org.OFFICE_KINDS)), help="household (戶政事務所) or district (區公所).")
@click.option("--address")
@click.option("--phone")
@click.option("--active/--inactive", default=None, help="Open or close the office; history stays.")
def office_command(code, city_code, name, name_en, kind, address, phone, active):
    """Create the office CODE or change the given fields."""
    city = _city(city_code)
    office = db.session.scalar(sa.select(Office).where(Office.code == code.upper()))
    values = _values(code=None if office else code, name=name, name_en=name_en, kind=kind, address=address,
                     phone=phone, active=active)
    try:
        saved = org.save_office(city, values, office)
    except DomainError as error:
        fail(error)
    _say(saved)


@org_cli.command("unit")
@click.argument("office_code")
@click.argument("code")
@click.option("--name", help="e.g. 戶籍登記課")
@click.option("--name-en")
@click.option("--active/--inactive", default=None, help="Open or close the unit; history stays.")
def unit_command(office_code, code, name, name_en, active):
    """Create the unit CODE of office OFFICE_CODE or change the given fields."""
    office = _office(office_code)
    unit = db.session.scalar(sa.select(Unit).where(Unit.office_id == office.id, Unit.code == code.upper()))
    try:
        saved = org.save_unit(office, _values(code=None if unit else code, name=name, name_en=name_en,
                                              active=active), unit)
    except DomainError as error:
        fail(error)
    _say(saved)


@org_cli.command("counter")
@click.argument("code")
@click.option("--office", "office_code", help="Office code (required for a new counter).")
@click.option("--unit", help="Unit code inside the office.")
@click.option("--name", help="e.g. 綜合受理櫃檯 1")
@click.option("--name-en")
@click.option("--kind", type=click.Choice(list(org.COUNTER_KINDS)))
@click.option("--active/--inactive", default=None, help="Open or close the counter: a closed one's kiosks stop.")
def counter_command(code, office_code, unit, name, name_en, kind, active):
    """Create the counter CODE or change the given fields."""
    counter = db.session.scalar(sa.select(Counter).where(Counter.code == code.upper()))
    if counter is None and not office_code:
        raise click.ClickException(f"No counter {code}; give --office to create it.")
    office = counter.office if counter else _office(office_code)
    if counter is not None and office_code and office_code.upper() != office.code:
        raise click.ClickException(f"Counter {counter.code} belongs to office {office.code}.")
    values = _values(code=None if counter else code, unit=unit, name=name, name_en=name_en, kind=kind, active=active)
    try:
        saved = org.save_counter(office, values, counter)
    except DomainError as error:
        fail(error)
    _say(saved)


@users_cli.command("bootstrap-admin")
@click.option("--city", "city_code", required=True, help="City code, e.g. TPE; created when missing.")
@click.option("--city-name", help="The city's name when it is created, e.g. 臺北市.")
@click.option("--username", default="admin", show_default=True)
@click.option("--name", "display_name", default="系統管理員", show_default=True)
def bootstrap_admin_command(city_code, city_name, username, display_name):
    """The first admin (city-wide) of a city, creating the city if needed.

    The password comes from $CF_ADMIN_PASSWORD when set, else it is asked at the terminal (never an option)."""
    password = _password(ADMIN_PASSWORD_VARIABLE, username)
    try:
        city, user = staff.bootstrap_admin(city_code, city_name, username, display_name, password,
                                           on_city=lambda saved: click.echo(f"created city {saved.record.code}"))
        db.session.commit()
    except DomainError as error:
        fail(error)
    if user is None:
        click.echo(f"{username} is already an admin of {city.code}; nothing changed.")
    else:
        click.echo(f"created admin {user.username} for {city.code}")



def _user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user {username}.")
    return user


@users_cli.command("set-password")
@click.argument("username")
def set_password_command(username):
    """Set an account's password: from $CF_PASSWORD when set, else asked at the terminal."""
    from ..services.users import set_password

    user = _user(username)
    try:
        set_password(user, _password(PASSWORD_VARIABLE, user.username))
        db.session.commit()
    except DomainError as error:
        fail(error)
    click.echo(f"Password of {user.username} set.")



@users_cli.command("disable")
@click.argument("username")
def disable_command(username):
    """Disable an account: it can no longer sign in; its cases keep it and are listed for reassignment."""
    user = _user(username)
    try:
        cases = staff.set_active(user, False)
        db.session.commit()
    except DomainError as error:
        fail(error)
    click.echo(f"disabled user {user.username}")
    if cases:
        click.echo(f"{len(cases)} open case(s) still assigned to {user.username}; reassign them:")
        for case in cases:
            click.echo(f"  {case.number} due {case.due_at.date().isoformat() if case.due_at else '-'}")


@users_cli.command("enable")
@click.argument("username")
def enable_command(username):
    """Let a disabled account sign in again."""
    user = _user(username)
    try:
        staff.set_active(user, True)
        db.session.commit()
    except DomainError as error:
        fail(error)
    click.echo(f"enabled user {user.username}")


@users_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--city", "city_code", help="City code (default: the only city).")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; change nothing.")
def import_users_command(file: Path, city_code, dry_run):
    """Import staff from CSV (username,name,email,office,unit,role,language[,active]): all rows or none."""
    city = _city(city_code)
    try:
        report = staff.import_staff(city, file.read_bytes(), dry_run=dry_run)
        db.session.rollback() if dry_run else db.session.commit()
    except DomainError as error:
        fail(error)
    prefix = "would have " if dry_run else ""
    for line in report.lines():
        click.echo(prefix + line)
    click.echo(f"{len(report.changes)} changed, {report.unchanged} unchanged.")
    if report.without_password and not dry_run:
        click.echo(f"{len(report.without_password)} new account(s) have no password yet; set one with "
                   "`flask --app wsgi users set-password USERNAME` or on the account's admin page.")
