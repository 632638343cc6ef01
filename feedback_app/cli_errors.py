"""How every command line command reports a refusal: the message and each field's reason, nothing changed."""

import click

from .extensions import db
from .services.errors import DomainError


def fail(error: DomainError):
    db.session.rollback()
    lines = [str(error.message)] + [f"  {field}: {msg}" for field, msg in (error.details or {}).items()]
    raise click.ClickException("\n".join(lines))
