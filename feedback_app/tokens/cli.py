"""`flask tokens ...`: issue, list and revoke API tokens from the command line."""

from datetime import timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..cli_errors import fail
from ..extensions import db
from ..models import City, Office, User, utcnow
from ..services.errors import DomainError
from ..services.tokens import issue_token, list_tokens, revoke_token, token_status

tokens_cli = AppGroup("tokens", help="API tokens for integrating systems and people.")


@tokens_cli.command("create")
@click.option("--name", required=True, help="Who or what uses the token.")
@click.option("--scopes", required=True, help='Space-separated, e.g. "cases:write stats:read".')
@click.option("--office", "office_code", help="Limit the token to one office.")
@click.option("--user", "username", help="Issue the token for a staff member (and within their office).")
@click.option("--city", "city_code", help="City of a city-wide token (default: the only city).")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), help="Expire after this many days.")
def create_token_command(name, scopes, office_code, username, city_code, expires_in_days):
    """Issue a token; it is printed once, on the last line."""
    office = user = city = None
    if office_code:
        office = db.session.scalar(sa.select(Office).where(Office.code == office_code))
        if office is None:
            raise click.ClickException(f"No office with code {office_code}.")
    if username:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"No user {username}.")
    if office is None and user is None:
        cities = db.session.scalars(
            sa.select(City).where(City.code == city_code) if city_code else sa.select(City)
        )
        found = cities.all()
        if len(found) != 1:
            raise click.ClickException("Give --city, --office or --user: the token's reach must be clear.")
        city = found[0]
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    try:
        token, plain = issue_token(
            name=name, scopes=scopes, city=city, office=office, user=user, expires_at=expires_at
        )
        db.session.commit()
    except DomainError as error:
        fail(error)
    reach = f"office id {token.office_id}" if token.office_id else "the whole city"
    click.echo(f"Token {token.id} for {token.name}: scopes {token.scopes}; reaches {reach}.")
    click.echo("Keep it secret; it is not shown again:")
    click.echo(plain)


@tokens_cli.command("list")
def list_tokens_command():
    """Every token with its scopes and status (never the token itself)."""
    for token in list_tokens():
        used = token.last_used_at.isoformat() if token.last_used_at else "never used"
        click.echo(f"{token.id:>5}  {token_status(token):<8} {token.name:<30} {token.scopes:<40} {used}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_command(token_id):
    """Revoke a token at once."""
    try:
        token = revoke_token(token_id)
        db.session.commit()
    except DomainError as error:
        fail(error)
    click.echo(f"Token {token.id} ({token.name}) revoked.")
