"""Reading JSON request bodies: whatever the body holds, a clear 400, never a crash further down.

Two kinds of body parse as JSON and would only fail later, wherever a field happens to be used: one nested
deeper than Python's recursion allows, and text holding a lone UTF-16 surrogate ("\\ud800"), which no database,
hash or mail can encode. Both are refused here, where every JSON body is read, so no field needs its own check."""

import json
import re

from flask import Flask
from flask import Request as FlaskRequest
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l

from .services.errors import ValidationFailed
from .services.validation import has_lone_surrogate

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
        if _SURROGATE_ESCAPE.search(raw) and _holds_lone_surrogate(value):
            raise MalformedJSON(_l("The text holds a character that is not valid Unicode (a lone surrogate)."))
        return value


def _holds_lone_surrogate(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class Request(FlaskRequest):
    def on_json_loading_failed(self, e: ValueError | None):
        """A body that is not usable JSON is the sender's error, answered as every other one (400 with a reason)."""
        if e is None:
            return super().on_json_loading_failed(e)
        if isinstance(e, MalformedJSON):
            raise ValidationFailed(e.message, details={"body": str(e.message)})
        raise ValidationFailed(_l("The body is not valid JSON."), details={"body": str(_l("Not valid JSON."))})


def init_app(app: Flask) -> None:
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
    app.request_class = Request
