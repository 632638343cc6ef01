"""Error pages and JSON errors: a clear message in the user's language, never a stack trace."""

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from . import ratelimit
from .extensions import db
from .services.errors import DomainError

log = logging.getLogger(__name__)

MESSAGES = {
    400: lambda: _("The request could not be understood."),
    401: lambda: _("Please sign in first."),
    403: lambda: _("You do not have access to this page."),
    404: lambda: _("The page you asked for does not exist."),
    405: lambda: _("This action is not allowed here."),
    409: lambda: _("Someone else changed this in the meantime; reload and try again."),
    413: lambda: _("The upload is too large."),
    422: lambda: _("Some of the data is not valid."),
    429: lambda: _("Too many requests; wait a moment and try again."),
    500: lambda: _("Something went wrong on our side. The error has been logged."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/open311/") or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(status: int, code: str, message: str, details: dict | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if details:
            body["error"]["details"] = details
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message, reasons=_reasons(details)), status


def _reasons(details) -> list[str]:
    """The messages of an error's details, flattened, for the page (JSON keeps them by field)."""
    if isinstance(details, str):
        return [details]
    values = details.values() if isinstance(details, dict) else details if isinstance(details, list) else []
    return [reason for value in values for reason in _reasons(value)]


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    message = MESSAGES.get(status, lambda: error.description)()
    details = None
    data = getattr(error, "data", None)
    if isinstance(data, dict):
        if data.get("message"):
            message = str(data["message"])
        if data.get("errors"):
            details = data["errors"]
    code = (error.name or "error").lower().replace(" ", "_")
    response = render_error(status, code, message, details)
    if getattr(error, "response", None) is not None and error.response.headers.get("Retry-After"):
        response[0].headers["Retry-After"] = error.response.headers["Retry-After"]
    elif getattr(error, "retry_after", None) is not None:  # a limit counted in the view (ratelimit.ViewLimit)
        response[0].headers["Retry-After"] = str(error.retry_after)
    elif isinstance(error, RateLimitExceeded) and (seconds := ratelimit.retry_after()):
        response[0].headers["Retry-After"] = str(seconds)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        # RFC 9110: a 405 names the methods the resource takes.
        response[0].headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_domain_error(error: DomainError):
    db.session.rollback()
    return render_error(error.status, error.code, str(error.message), error.details or None)


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)
