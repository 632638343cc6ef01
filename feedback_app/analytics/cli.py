"""`flask analytics ...`: keep the roll-ups current from a scheduler or by hand."""

import click
from flask.cli import AppGroup

analytics_cli = AppGroup("analytics", help="Satisfaction roll-ups and quarterly reports.")


@analytics_cli.command("refresh")
@click.option("--batch", default=5000, show_default=True, help="Ratings folded per transaction.")
def refresh_command(batch: int):
    """Fold new ratings into the roll-ups (safe to run twice at once)."""
    from ..services.rollups import refresh_rollups

    click.echo(f"Folded {refresh_rollups(batch=batch)} ratings into the roll-ups.")


@analytics_cli.command("rebuild")
def rebuild_command():
    """Recompute every roll-up from the folded ratings (after a bulk load or a repair)."""
    from ..services.rollups import rebuild_rollups

    rebuild_rollups()
    click.echo("Roll-ups rebuilt.")
