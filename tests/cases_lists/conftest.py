import pytest

from feedback_app.extensions import db
from feedback_app.services.calendar import import_calendar
from tests.conftest import CALENDAR_DIR as OFFICIAL_CALENDARS


@pytest.fixture
def calendar_2025(app):
    """The official 2025 calendar (Lunar New Year off, 2025-02-08 a make-up working Saturday)."""
    import_calendar((OFFICIAL_CALENDARS / "2025.csv").read_bytes(), "2025.csv")
    db.session.commit()
