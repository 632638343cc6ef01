"""`flask cases ...`: case commands for operators."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..cli_errors import fail
from ..extensions import db
from ..models import Office
from ..services.errors import DomainError

cases_cli = AppGroup("cases", help="陳情 cases.")


@cases_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--office", "office_code", required=True, help="Code of the office the cases belong to.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would be created; write nothing.")
def import_command(file: Path, office_code: str, dry_run: bool):
    """Import a 1999 dispatch list (CSV, UTF-8 or Big5): all rows or none; rows already there are skipped."""
    from ..services.case_import import IMPORTED_TABLES, import_cases
    from ..services.planner import refresh_planner_statistics

    office = db.session.scalar(sa.select(Office).where(Office.code == office_code))
    if office is None:
        raise click.ClickException(f"No office with code {office_code}.")
    try:
        report = import_cases(file.read_bytes(), office, dry_run=dry_run, source_name=file.name)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except DomainError as error:
        fail(error)
    if report.to_create and not dry_run:
        refresh_planner_statistics(*IMPORTED_TABLES)
    verb = "would create" if dry_run else "created"
    click.echo(
        f"{file.name} ({report.encoding}) for {office.code}: {verb} {len(report.to_create)}, "
        f"skipped {len(report.skipped)} already imported"
    )
    for row in report.to_create:
        number = f" -> {row.case_number}" if row.case_number else ""
        click.echo(f"  row {row.line}: {row.data.external_ref} {row.data.subject}{number}")
    for line, ref in report.skipped:
        click.echo(f"  row {line}: {ref} skipped (already imported)")
