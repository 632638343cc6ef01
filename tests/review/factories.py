"""Builders for phone tests and improvement actions."""

from datetime import datetime, timedelta

from feedback_app.models import Role
from feedback_app.services import phone_tests

ALL_PASS = {item: phone_tests.PASS for item in phone_tests.ITEMS} | {"transfer": "na", "callback": "na"}


def record(org, when: datetime, *, office="AA", failing: tuple[str, ...] = (), by=None, **fields):
    """A test call to the office's registration unit, recorded by the city's monitor unless `by` is given."""
    office_obj = {"AA": org.a, "BB": org.b}[office]
    scores = dict(ALL_PASS) | dict.fromkeys(failing, phone_tests.FAIL)
    data = phone_tests.PhoneTestInput(
        unit_id=office_obj.units[0].id, called_at=when - timedelta(minutes=30), tester="林研考", scores=scores,
        extension="123", **fields,
    )
    return phone_tests.record_test(data, by or org.users[("TPE", Role.MONITOR.value)], now=when)
