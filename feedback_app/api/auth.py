"""Bearer-token authentication for the JSON API, and a blueprint class whose input errors name fields."""

from functools import wraps

from flask import g
from flask_babel import lazy_gettext as _l
from flask_smorest import Api, Blueprint
from marshmallow import RAISE, missing
from webargs.flaskparser import FlaskParser, is_json_request

from ..errors import handle_domain_error
from ..extensions import csrf
from ..security import api_token_from_request
from ..services.errors import AccessDenied, DomainError, MalformedRequest, ValidationFailed
from ..services.tokens import SCOPES, TokenPrincipal, principal_for, token_owner_active
from .messages import localized
from .schemas import ApiErrorSchema

SECURITY_SCHEME = "bearerAuth"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    default_message = _l("A valid API token is required (Authorization: Bearer <token>).")


class InvalidRequest(ValidationFailed):
    status = 422
    code = "invalid"


def flatten_messages(messages, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested messages as {"field.sub": "message"}, in the request's language."""
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            flat.update(flatten_messages(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list | tuple):
        if all(isinstance(item, str) for item in messages):
            flat[prefix or "_schema"] = " ".join(localized(item) for item in messages)
        else:
            for index, item in enumerate(messages):
                flat.update(flatten_messages(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_schema"] = localized(str(messages))
    return flat


class DetailedParser(FlaskParser):
    """Input errors become InvalidRequest, so errors.py answers them with per-field details.

    A query parameter the operation does not take is refused like an unknown body field: the document lists
    every parameter, and a misspelt one (`limt=10`) silently ignored would answer another question."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}

    def _raw_load_json(self, req):
        """Read the body as every JSON body is read (json_input.py), so one too deeply nested or holding a lone
        surrogate is a clear 400 here too."""
        if not is_json_request(req) or not req.get_data(cache=True):
            return missing
        return req.get_json()

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        details = {}
        for location_messages in error.messages.values():
            details.update(flatten_messages(location_messages))
        raise InvalidRequest(details=details)


class ApiBlueprint(Blueprint):
    """A blueprint of the JSON API: 400 for a request that cannot be read (bad JSON), 422 for a well-formed
    one whose fields are not valid, whether the schema or a service finds them so."""

    ARGUMENTS_PARSER = DetailedParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.after_request(_challenge)
        self.register_error_handler(ValidationFailed, _unprocessable)

    def arguments(self, schema, *, location="json", **kwargs):
        """As flask-smorest's, and a JSON body also documents the 400 of a body that cannot be read."""
        parse = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return parse
        return lambda view: self.alt_response(400, response="BAD_REQUEST")(parse(view))


def _unprocessable(error: ValidationFailed):
    """A service's refusal of the request's fields is answered as the schema's own: 422 with details (a body that
    cannot be read at all stays a 400)."""
    if not isinstance(error, MalformedRequest):
        error.status = InvalidRequest.status
    return handle_domain_error(error)


def _challenge(response):
    """RFC 6750: a 401 says which scheme would be accepted."""
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="counter-feedback"')
    return response


def register_security(api: Api) -> None:
    """Describe the bearer tokens in the OpenAPI document."""
    scopes = "; ".join(f"`{name}`: {label}" for name, label in SCOPES.items())
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "description": f"An API token issued by an administrator. Scopes: {scopes}.",
        },
    )


def authenticate(scope: str) -> TokenPrincipal:
    """The principal of the request's token; 401 without a live token, 403 without the scope."""
    token = api_token_from_request()
    if token is None or not token_owner_active(token):
        raise Unauthorized()
    if scope not in token.scope_set:
        raise AccessDenied(
            _l("This token lacks the scope %(scope)s.", scope=scope), code="insufficient_scope"
        )
    g.api_principal = principal_for(token)
    return g.api_principal


def current_principal() -> TokenPrincipal:
    return g.api_principal


def token_required(blp: Blueprint, scope: str, forbidden: str | None = None):
    """Require a token with `scope` before anything else runs, and say so in the OpenAPI document.

    `forbidden` describes any other reason the view answers 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            authenticate(scope)
            return view(*args, **kwargs)

        wrapper = blp.alt_response(
            401, schema=ApiErrorSchema, description="Missing, unknown, expired or revoked token"
        )(wrapper)
        wrapper = blp.alt_response(
            403,
            schema=ApiErrorSchema,
            description=f"The token lacks the scope `{scope}`" + (f", or {forbidden}" if forbidden else ""),
        )(wrapper)
        return blp.doc(security=[{SECURITY_SCHEME: []}])(wrapper)

    return decorator


def exempt_from_csrf(blp: Blueprint) -> Blueprint:
    """Token-authenticated endpoints carry no session cookie, so a cross-site form cannot ride on one."""
    csrf.exempt(blp)
    return blp
