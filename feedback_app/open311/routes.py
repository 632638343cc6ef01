"""Thin views over services/open311.py; errors as the spec says: a list of {code, description}."""

import logging

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..extensions import db
from ..i18n import current_language
from ..links import public_url
from ..services import open311
from ..services.errors import DomainError, NotFound
from . import bp
from .render import render

log = logging.getLogger(__name__)
FORMATS = ("json", "xml")


def _format() -> str:
    return "xml" if request.path.endswith(".xml") else "json"


def _checked(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(_("Unknown format; use .json or .xml."))
    return fmt


def _errors(status: int, description: str):
    return render(_format(), "errors", [{"code": status, "description": description}], status)


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    db.session.rollback()
    description = str(error.message)
    if error.details:
        description += " " + "; ".join(f"{field}: {message}" for field, message in error.details.items())
    return _errors(error.status, description)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return _errors(error.code or 500, error.description or error.name)


@bp.errorhandler(Exception)
def unexpected_error(error: Exception):
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _errors(500, _("Something went wrong on our side. The error has been logged."))


@bp.get("/discovery.<fmt>")
def discovery(fmt):
    base = public_url(bp.url_prefix)
    return render(_checked(fmt), "discovery", open311.discovery(base))


@bp.get("/services.<fmt>")
def services(fmt):
    city = open311.jurisdiction(request.args.get("jurisdiction_id"))
    return render(_checked(fmt), "services", open311.services(city, current_language()))


@bp.get("/services/<code>.<fmt>")
def service_definition(code, fmt):
    city = open311.jurisdiction(request.args.get("jurisdiction_id"))
    return render(_checked(fmt), "service_definition", open311.service_definition(city, code))


@bp.post("/requests.<fmt>")
def create_request(fmt):
    """File a request; api_key and jurisdiction_id may come in the body or the query string (clients do both)."""
    fmt = _checked(fmt)
    form = request.form
    fields = {name: form.get(name) for name in open311.RequestForm.__dataclass_fields__ if name != "office"}
    fields["office"] = form.get(f"attribute[{open311.OFFICE_ATTRIBUTE}]")
    answer = open311.create_request(
        form.get("jurisdiction_id") or request.args.get("jurisdiction_id"),
        form.get("api_key") or request.args.get("api_key"),
        open311.RequestForm(**fields),
    )
    db.session.commit()
    return render(fmt, "service_requests", [answer])


@bp.get("/requests.<fmt>")
def requests(fmt):
    fmt = _checked(fmt)
    city = open311.jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "service_requests", open311.find_requests(city, request.args, current_language()))


@bp.get("/requests/<number>.<fmt>")
def one_request(number, fmt):
    fmt = _checked(fmt)
    city = open311.jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "service_requests", open311.one_request(city, number, current_language()))


@bp.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(anything):
    """Anything else under /open311/v2/ answers in the spec's error format, not the site's."""
    return _errors(404, _("No such Open311 resource."))
