"""Errors a user can cause; views turn them into a clear message (HTML or JSON) and nothing changes."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = _l("The request could not be processed.")

    def __init__(self, message=None, *, code: str | None = None, details: dict | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    status = 400
    code = "invalid"
    default_message = _l("Some of the data is not valid.")


class MalformedRequest(ValidationFailed):
    """A body that cannot be read at all (not JSON, nested too deeply, not valid Unicode): always a 400, where an
    API answers a readable request with invalid fields 422."""

    code = "bad_request"


class AccessDenied(DomainError):
    status = 403
    code = "forbidden"
    default_message = _l("You do not have access to this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("Someone else changed this in the meantime; reload and try again.")


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"
    default_message = _l("Too many attempts; wait a while and try again.")
