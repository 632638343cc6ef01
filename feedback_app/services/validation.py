"""Checks every caller of a service needs on raw input, whatever field it arrives in."""

from datetime import UTC, datetime

# Any real device clock shows a moment between these; keeping a margin inside datetime's own limits (years 1 to
# 9999) lets the code that works on a date add or take away days around it without overflowing.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


class NotIsoDateTime(ValueError):
    """Not an ISO 8601 date and time."""


class OutOfRange(ValueError):
    """An ISO date and time no clock shows (0001-01-01T00:00:00+14:00 is in year 0 in UTC)."""


def iso_datetime(value: str) -> datetime:
    """An ISO 8601 date and time (Z or an offset) as sent by a device; in UTC when it has a zone, naive if not.

    Raises NotIsoDateTime or OutOfRange: both are ValueError."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise NotIsoDateTime(value) from None
    if parsed.tzinfo is None:
        return parsed
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        raise OutOfRange(value) from None
    if not EARLIEST <= parsed < LATEST:
        raise OutOfRange(value)
    return parsed


def holds_lone_surrogate(value) -> bool:
    """Any text inside a parsed JSON value (keys too) holding a lone surrogate."""
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


def has_lone_surrogate(value: str) -> bool:
    """Text holding half of a UTF-16 pair (JSON's "\\ud800"): no database or mail can store it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
