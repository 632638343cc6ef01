"""Command-line groups: demo data, users and the office calendar."""

import logging
from datetime import datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from .cli_errors import fail
from .extensions import db
from .models import CaseChannel, City, Office, Role, Unit
from .services.errors import DomainError
from .tokens.cli import tokens_cli

log = logging.getLogger(__name__)
users_cli = AppGroup("users", help="Manage staff accounts.")
calendar_cli = AppGroup("calendar", help="The official office calendar and due dates.")


@click.command("seed-demo")
@click.option("--ratings-per-day", default=24, show_default=True, help="Most ratings per counter and day.")
@click.option("--cases", default=320, show_default=True, help="How many cases to create.")
def seed_demo_command(ratings_per_day: int, cases: int):
    """Fill the database with a demo city (does nothing if the demo is already there)."""
    from .services import demo

    if demo.demo_exists():
        click.echo("The demo city is already there; nothing was added.")
    else:
        demo.seed_demo(ratings_per_day=ratings_per_day, cases=cases)
        click.echo("Demo city created.")
    click.echo(f"Sign in at /login with any of these (password: {demo.DEMO_PASSWORD}):")
    for username, _, role, office, _ in demo.PEOPLE:
        click.echo(f"  {username:<15} {role:<11} {office or 'city-wide'}")
    showcase = demo.showcase_case()
    if showcase is not None:
        click.echo(f"Look a case up as its petitioner would at /lookup: case number {showcase.number}, "
                   f"look-up code {demo.DEMO_LOOKUP_CODE}")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="Name shown to colleagues.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--city", "city_code", required=True, help="City code, e.g. TPE.")
@click.option("--office", "office_code", help="Office code; leave out for a city-wide account.")
@click.option("--unit", "unit_code", help="Unit code inside the office (officers and supervisors).")
@click.option("--email")
@click.password_option(help="At least 10 characters.")
def create_user_command(username, display_name, role, city_code, office_code, unit_code, email, password):
    """Add a staff member."""
    from .services.users import create_user

    city = db.session.scalar(sa.select(City).where(City.code == city_code))
    if city is None:
        raise click.ClickException(f"No city with code {city_code}.")
    office = unit = None
    if office_code:
        office = db.session.scalar(sa.select(Office).where(Office.code == office_code))
        if office is None:
            raise click.ClickException(f"No office with code {office_code}.")
    if unit_code:
        if office is None:
            raise click.ClickException("--unit needs --office.")
        unit = db.session.scalar(sa.select(Unit).where(Unit.office_id == office.id, Unit.code == unit_code))
        if unit is None:
            raise click.ClickException(f"No unit {unit_code} in office {office_code}.")
    try:
        user = create_user(username=username, password=password, display_name=display_name, role=role, city=city,
                           office=office, unit=unit, email=email)
        db.session.commit()
    except DomainError as error:
        fail(error)
    click.echo(f"Created {user.username} ({user.role}).")


@calendar_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_import_command(files):
    """Import official calendar CSV files (UTF-8 or Big5, as published)."""
    from .models import CalendarDay, Case, RehandlingTask
    from .services.calendar import import_calendar
    from .services.cases import recompute_due_dates
    from .services.planner import refresh_planner_statistics

    for path in files:
        try:
            record = import_calendar(path.read_bytes(), path.name, imported_by="cli")
            changes = recompute_due_dates(record)
            db.session.commit()
        except DomainError as error:
            fail(error)
        click.echo(f"{path.name}: {record.year}, {record.days} days, calendar version {record.id}")
        for change in changes:
            what = f"case {change['number']}" + (" re-handling" if "task_id" in change else "")
            log.info("%s: due %s -> %s (calendar %s version %s)", what, change["before"], change["after"],
                     record.year, record.id)
            click.echo(f"  {what}: due {change['before']} -> {change['after']}")
        tasks = sum("task_id" in change for change in changes)
        click.echo(f"  {len(changes) - tasks} open case(s) got a new due date.")
        if tasks:
            click.echo(f"  {tasks} open re-handling task(s) got a new due date.")
    refresh_planner_statistics(CalendarDay, Case, RehandlingTask)


@calendar_cli.command("due-date")
@click.option("--received", required=True, help="Received time, ISO (Asia/Taipei when no zone is given).")
@click.option("--days", type=click.IntRange(0, 365), help="Working days allowed.")
@click.option("--channel", type=click.Choice(CaseChannel.ALL), help="Channel code; its rule gives the working days.")
@click.option("--category", "category_code", help="Category code, with --channel.")
@click.option("--city", "city_code", help="City whose rules apply (default: the only one).")
def calendar_due_date_command(received, days, channel, category_code, city_code):
    """Print a due date (first line, ISO) and how it was reached."""
    from .models import CaseCategory
    from .services.calendar import TAIPEI, due_date
    from .services.cases import rule_for

    try:
        received_at = datetime.fromisoformat(received)
    except ValueError:
        raise click.BadParameter(f"{received!r} is not an ISO date and time", param_hint="--received") from None
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=TAIPEI)
    if (days is None) == (channel is None):
        raise click.UsageError("Give either --days or --channel.")
    rule = f"{days} working days"
    if channel is not None:
        cities = db.session.scalars(sa.select(City).where(City.code == city_code) if city_code else sa.select(City))
        city = next(iter(cities.all()), None)
        if city is None:
            raise click.ClickException("No city found; seed or create one first.")
        category_id = None
        if category_code:
            category_id = db.session.scalar(sa.select(CaseCategory.id).where(
                CaseCategory.city_id == city.id, CaseCategory.code == category_code))
            if category_id is None:
                raise click.ClickException(f"No category {category_code}.")
        days, rule = rule_for(city.id, channel, category_id)
    due = due_date(received_at, days, rule=rule)
    click.echo(due.due_at.isoformat())
    click.echo(f"received {due.received_date.isoformat()} (day 0); {due.working_days} working days; rule: {due.rule}")
    for year, version in due.calendar_versions.items():
        click.echo(f"calendar {year}: version {version}")
    for skipped in due.skipped:
        click.echo(f"skipped {skipped['date']}: {skipped['reason']}")
    click.echo(f"due at the end of {due.due_date.isoformat()} Asia/Taipei")


def init_app(app: Flask) -> None:
    from .admin.cli import org_cli
    from .cases.cli import cases_cli

    app.cli.add_command(cases_cli)
    app.cli.add_command(seed_demo_command)
    from .main.cli import check_command

    app.cli.add_command(check_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(org_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(tokens_cli)
    from kiosk.cli import kiosk_cli

    app.cli.add_command(kiosk_cli)
    from jobs.cli import jobs_cli

    app.cli.add_command(jobs_cli)
    from .analytics.cli import analytics_cli

    app.cli.add_command(analytics_cli)
