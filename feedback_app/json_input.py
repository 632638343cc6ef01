"""Reading JSON request bodies: whatever the body holds, a clear 400, never a crash further down.

Two kinds of body parse as JSON and would only fail later, wherever a field happens to be used: one nested
deeper than Python's recursion allows, and text holding a lone UTF-16 surrogate ("\\ud800"), which no database,
hash or mail can encode. Both are refused here, where every JSON body is read, so no field needs its own check;
only a kiosk's batch of ratings (PER_ITEM_ENDPOINTS) has its items judged one by one instead."""

import json
import re

from flask import Flask, has_request_context, request
from flask import Request as FlaskRequest
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l

from .services.errors import MalformedRequest
from .services.validation import holds_lone_surrogate

# A \uD800-\uDFFF escape: only a body holding one can decode to a lone surrogate (raw bytes must be UTF-8).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class MalformedJSON(ValueError):
    """A body that parses but cannot be used; carries the message for the sender."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class JSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise MalformedJSON(_l("The JSON is nested too deeply.")) from None
        raw = s.encode("utf-8", "surrogatepass") if isinstance(s, str) else s
        if _SURROGATE_ESCAPE.search(raw) and not _judged_per_item() and holds_lone_surrogate(value):
            raise MalformedJSON(_l("The text holds a character that is not valid Unicode (a lone surrogate)."))
        return value


# Endpoints whose batches judge each item on its own: a kiosk's batch keeps its good ratings and sends the one
# holding a lone surrogate to quarantine, rather than being refused whole and retried for ever.
PER_ITEM_ENDPOINTS: set[str] = set()


def _judged_per_item() -> bool:
    return has_request_context() and request.endpoint in PER_ITEM_ENDPOINTS and bool(request.authorization)


class Request(FlaskRequest):
    def on_json_loading_failed(self, e: ValueError | None):
        """A body that is not usable JSON is the sender's error, answered as every other one (400 with a reason)."""
        if e is None:
            return super().on_json_loading_failed(e)
        if isinstance(e, MalformedJSON):
            raise MalformedRequest(e.message, details={"body": str(e.message)})
        raise MalformedRequest(_l("The body is not valid JSON."), details={"body": str(_l("Not valid JSON."))})


def init_app(app: Flask) -> None:
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
    app.request_class = Request
