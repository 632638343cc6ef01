"""`flask kiosk register --counter CODE`: register a kiosk without a browser; the last line pairs one."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from feedback_app.extensions import db
from feedback_app.models import Counter, Device
from feedback_app.services import devices
from feedback_app.services.errors import DomainError

kiosk_cli = AppGroup("kiosk", help="Counter kiosks: register, pair and revoke.")


@kiosk_cli.command("register")
@click.option("--counter", "counter_code", required=True, help="Counter code, e.g. AA-01.")
@click.option("--name", help="Name shown to admins (default: the counter's code).")
def register_command(counter_code, name):
    """Register a kiosk for a counter; prints, on the last line, the URL that pairs a browser with it."""
    counter = db.session.scalar(sa.select(Counter).where(Counter.code == counter_code))
    if counter is None:
        raise click.ClickException(f"No counter with code {counter_code}.")
    try:
        device, code = devices.register_device(counter, name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in error.details.items())) from None
    db.session.commit()
    click.echo(f"Kiosk {device.id} ({device.name}) registered for counter {counter.code}.")
    click.echo(f"Pairing code: {code} (one use, until {device.pairing_expires_at.isoformat()})")
    click.echo(devices.pairing_url(code))


@kiosk_cli.command("revoke")
@click.option("--device", "device_id", type=int, required=True)
def revoke_command(device_id):
    """Revoke a kiosk: it can no longer send ratings."""
    device = db.session.get(Device, device_id)
    if device is None:
        raise click.ClickException(f"No kiosk {device_id}.")
    devices.revoke(device)
    db.session.commit()
    click.echo(f"Kiosk {device.id} revoked.")
