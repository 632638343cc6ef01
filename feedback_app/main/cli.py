"""`flask check`: the health report for an operator."""

import click

from ..services import health


@click.command("check")
def check_command():
    """Check the database, the office calendars of this year and next, and Redis (when configured)."""
    report = health.check()
    click.echo(f"{'database':<16} {report['database']}")
    for year, state in report.get("calendar", {}).items():
        hint = {
            health.MISSING: "  (import it: flask --app wsgi calendar import FILE.csv)",
            health.ERROR: "  (could not be read: is the schema up to date? flask --app wsgi db upgrade)",
        }.get(state, "")
        click.echo(f"{'calendar ' + year:<16} {state}{hint}")
    click.echo(f"{'redis':<16} {report.get('redis', 'not configured (rate limits counted in each process)')}")
    problems = health.problems(report)
    if problems:
        raise click.ClickException("missing or not answering: " + "; ".join(problems))
    click.echo("all required parts answer")
