from pathlib import Path

import pytest

from feedback_app.extensions import db
from feedback_app.services.calendar import import_calendar
from tests.conftest import CALENDAR_DIR


def _calendar_dir() -> Path:
    """tests.conftest.CALENDAR_DIR, or the nearest shared/data/office-calendar above a checkout elsewhere."""
    if CALENDAR_DIR.exists():
        return CALENDAR_DIR
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "office-calendar"
        if candidate.exists():
            return candidate
    return CALENDAR_DIR


CALENDARS = _calendar_dir()


@pytest.fixture
def calendar_2025(app):
    """The official 2025 office calendar as first published."""
    record = import_calendar((CALENDARS / "2025.csv").read_bytes(), "2025.csv", imported_by="test")
    db.session.commit()
    return record


@pytest.fixture
def users(org):
    """Short names for the people of office AA (and BB) the tests act as."""
    u = org.users
    return {
        "officer": u[("AA", "officer")],
        "supervisor": u[("AA", "supervisor")],
        "monitor": u[("AA", "monitor")],
        "director": u[("AA", "director")],
        "admin": u[("AA", "admin")],
        "b_officer": u[("BB", "officer")],
        "b_supervisor": u[("BB", "supervisor")],
        "city_monitor": u[("TPE", "monitor")],
        "city_director": u[("TPE", "director")],
    }
