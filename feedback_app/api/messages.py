"""marshmallow's input messages in the request's language.

marshmallow writes its messages in English, filled in from templates ("Longer than maximum length 200.");
the API answers in the request's language (Accept-Language, zh_TW by default) like the rest of the body.
Each template below is marshmallow's own, with its fields written as %(name)s: a message that matches one is
translated with the values it holds; any other message is the app's own, already translated, and kept.
"""

import re
from functools import cache

from flask_babel import gettext


def _l(message: str) -> str:
    """Marks a template for extraction into the catalogs; it is translated when an error is answered."""
    return message


TEMPLATES = (
    _l("Missing data for required field."),
    _l("Field may not be null."),
    _l("Invalid value."),
    _l("Invalid input."),
    _l("Invalid type."),
    _l("Invalid input type."),
    _l("Unknown field."),
    _l("Not a valid string."),
    _l("Not a valid utf-8 string."),
    _l("Not a valid integer."),
    _l("Not a valid number."),
    _l("Number too large."),
    _l("Special numeric values (nan or infinity) are not permitted."),
    _l("Not a valid boolean."),
    _l("Not a valid datetime."),
    _l("Not a valid aware datetime."),
    _l("Not a valid naive datetime."),
    _l("Not a valid date."),
    _l("Not a valid mapping type."),
    _l("Not a valid list."),
    _l("Not a valid UUID."),
    _l("Not a valid email address."),
    _l("Not a valid URL."),
    _l("String does not match expected pattern."),
    _l("Must be one of: %(choices)s."),
    _l("Length must be between %(min)s and %(max)s."),
    _l("Length must be %(equal)s."),
    _l("Longer than maximum length %(max)s."),
    _l("Shorter than minimum length %(min)s."),
    _l("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    _l("Must be greater than %(min)s and less than %(max)s."),
    _l("Must be greater than or equal to %(min)s."),
    _l("Must be greater than %(min)s."),
    _l("Must be less than or equal to %(max)s."),
    _l("Must be less than %(max)s."),
    _l("Use YYYY-MM."),
)


@cache
def _patterns() -> tuple[tuple[re.Pattern, str], ...]:
    """Each template as a pattern matching the English message it makes, its fields as named groups."""
    patterns = []
    for template in TEMPLATES:
        pattern = re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", re.escape(template))
        patterns.append((re.compile(pattern, re.DOTALL), template))
    return tuple(patterns)


def localized(message: str) -> str:
    """marshmallow's English `message` in the request's language; any other message as it is."""
    for pattern, template in _patterns():
        match = pattern.fullmatch(message)
        if match:
            return gettext(template, **match.groupdict())
    return message
