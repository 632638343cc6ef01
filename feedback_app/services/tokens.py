"""API tokens: issued once in plain text, stored hashed, scoped to what an integration may do, revocable."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import ApiToken, City, Office, Role, User, utcnow
from ..security import hash_token, new_token
from .errors import AccessDenied, NotFound, ValidationFailed

# What a token may be allowed to do.
SCOPES = {
    "cases:read": _l("Read cases (personal data masked)"),
    "cases:write": _l("Open cases"),
    "cases:personal": _l("See petitioners' personal data unmasked"),
    "stats:read": _l("Read statistics"),
    "ratings:write": _l("Submit ratings"),
    "open311": _l("File Open311 service requests"),
    "open311:petitioner": _l(
        "File Open311 service requests as the petitioner's own channel (the answer shows the look-up code)"
    ),
}


@dataclass(frozen=True)
class TokenPrincipal:
    """Who a token acts as, in the terms services/access.py understands: a city and perhaps one office."""

    token_id: int
    city_id: int
    office_id: int | None
    scopes: frozenset[str]
    id: None = None
    unit_id: None = None
    role: str = "api"
    is_authenticated: bool = True

    @property
    def is_city_wide(self) -> bool:
        return self.office_id is None


def principal_for(token: ApiToken) -> TokenPrincipal:
    return TokenPrincipal(
        token_id=token.id, city_id=token.city_id, office_id=token.office_id, scopes=frozenset(token.scope_set)
    )


def parse_scopes(scopes: str | list[str] | tuple[str, ...]) -> list[str]:
    """The scopes of a space- or comma-separated list; unknown ones refuse the whole list."""
    if isinstance(scopes, str):
        scopes = scopes.replace(",", " ").split()
    wanted = sorted({scope.strip() for scope in scopes if scope.strip()})
    unknown = [scope for scope in wanted if scope not in SCOPES]
    if unknown:
        raise ValidationFailed(
            details={"scopes": str(_l("Unknown scope: %(names)s.", names=", ".join(unknown)))}
        )
    if not wanted:
        raise ValidationFailed(details={"scopes": str(_l("Give at least one scope."))})
    return wanted


def issue_token(
    *,
    name: str,
    scopes,
    city: City | None = None,
    office: Office | None = None,
    user: User | None = None,
    expires_at: datetime | None = None,
    issued_by: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; the plain token is returned this once and only its hash is kept."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = str(_l("A name is required."))
    elif len(name) > 100:
        errors["name"] = str(_l("The name is limited to 100 characters."))
    try:
        scope_list = parse_scopes(scopes)
    except ValidationFailed as error:
        errors.update(error.details)
        scope_list = []
    if user is not None:
        city_id = user.city_id
        if office is None and user.office_id is not None:
            office = user.office
        if office is not None and user.office_id is not None and office.id != user.office_id:
            errors["office"] = str(_l("A token for a user cannot reach beyond that user's office."))
    elif office is not None:
        city_id = office.city_id
    elif city is not None:
        city_id = city.id
    else:
        city_id = None
        errors["city"] = str(_l("A token belongs to a city, an office or a user."))
    if office is not None and city_id is not None and office.city_id != city_id:
        errors["office"] = str(_l("The office is not in the token's city."))
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= utcnow()):
        errors["expires_at"] = str(_l("The expiry must be a future time with a time zone."))
    if issued_by is not None:
        if issued_by.role != Role.ADMIN:
            raise AccessDenied()
        if issued_by.city_id != city_id or (
            issued_by.office_id is not None and (office is None or office.id != issued_by.office_id)
        ):
            raise AccessDenied()
    if errors:
        raise ValidationFailed(details=errors)
    plain = new_token()
    token = ApiToken(
        name=name,
        city_id=city_id,
        office_id=office.id if office else None,
        user_id=user.id if user else None,
        token_hash=hash_token(plain),
        scopes=" ".join(scope_list),
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    return token, plain


def _visible(stmt, actor: User | None):
    if actor is None:
        return stmt
    stmt = stmt.where(ApiToken.city_id == actor.city_id)
    if actor.office_id is not None:
        stmt = stmt.where(ApiToken.office_id == actor.office_id)
    return stmt


def list_tokens(actor: User | None = None) -> list[ApiToken]:
    """Tokens the actor administers (all of them from the command line), newest first."""
    if actor is not None and actor.role != Role.ADMIN:
        raise AccessDenied()
    return list(db.session.scalars(_visible(sa.select(ApiToken), actor).order_by(ApiToken.id.desc())))


def revoke_token(token_id: int, actor: User | None = None) -> ApiToken:
    """Revoke a token at once; revoking twice keeps the first time."""
    if actor is not None and actor.role != Role.ADMIN:
        raise AccessDenied()
    token = db.session.scalar(_visible(sa.select(ApiToken).where(ApiToken.id == token_id), actor))
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def token_owner_active(token: ApiToken) -> bool:
    """A token issued for a staff member stops working when their account is deactivated."""
    return token.user_id is None or (token.user is not None and token.user.active)


def token_status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= utcnow():
        return "expired"
    return "active"
