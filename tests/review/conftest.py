"""Fixtures for phone courtesy tests and improvement actions: the official 2026 calendar and a few builders."""

from datetime import datetime

import pytest

from feedback_app.extensions import db
from feedback_app.services.calendar import TAIPEI, import_calendar
from tests.conftest import CALENDAR_DIR

# Wednesday 23 September 2026, 10:00 in Taipei. The next working days, by the official calendar: Thu 24; Fri 25
# (中秋節) and Mon 28 (教師節) are off; Tue 29, Wed 30, Thu 1 Oct, Fri 2 Oct.
RECORDED = datetime(2026, 9, 23, 10, 0, tzinfo=TAIPEI)


@pytest.fixture
def calendar_2026(app):
    import_calendar((CALENDAR_DIR / "2026.csv").read_bytes(), "2026.csv")
    db.session.commit()
