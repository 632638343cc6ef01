"""A quarter of ratings and cases in offices AA and BB for the page, chart and report tests."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from feedback_app.extensions import db
from feedback_app.models import Alert, Channel
from feedback_app.services.calendar import end_of_day

from .factories import make_case, make_rating


@pytest.fixture
def quarter_data(org):
    """Ratings in 2025 Q2 and Q1 (AA happier than BB), reasons, demographics, staff answers, cases
    and an alert."""
    rng = random.Random(5)
    for office, bias in ((org.a, 4), (org.b, 3)):
        for day in range(0, 180, 2):
            tapped = datetime(2025, 1, 2, 1, tzinfo=UTC) + timedelta(days=day, hours=rng.randint(0, 8))
            score = min(5, max(1, bias + rng.choice([-2, -1, 0, 0, 1])))
            make_rating(
                office,
                tapped,
                score,
                channel=rng.choice([Channel.KIOSK, Channel.COUNTER_QR]),
                reasons=["wait_long"] if score <= 2 else None,
                sex=rng.choice([None, "female", "male"]),
                age_group=rng.choice([None, "40_64"]),
            )
    make_rating(org.a, datetime(2025, 5, 5, 3, tzinfo=UTC), 4, channel=Channel.STAFF, questionnaire="staff")
    received = datetime(2025, 4, 7, 2, tzinfo=UTC)
    due = end_of_day(datetime(2025, 4, 15).date())
    make_case(
        org.a,
        received,
        due,
        closed_at=datetime(2025, 4, 10, 2, tzinfo=UTC),
        reply_score=5,
        reply_rated_at=datetime(2025, 4, 11, tzinfo=UTC),
    )
    make_case(
        org.a,
        received,
        due,
        closed_at=datetime(2025, 4, 21, 2, tzinfo=UTC),
        outcome="explained",
        reply_score=2,
        reply_rated_at=datetime(2025, 4, 22, tzinfo=UTC),
    )
    make_case(org.a, received, due, state="in_progress")
    make_case(org.b, received, due, closed_at=datetime(2025, 4, 9, 2, tzinfo=UTC))
    counter = org.a.counters[0]
    db.session.add(
        Alert(
            office_id=org.a.id,
            unit_id=counter.unit_id,
            counter_id=counter.id,
            triggered_at=datetime(2025, 5, 5, 2, tzinfo=UTC),
            window_start=datetime(2025, 5, 5, 1, tzinfo=UTC),
            ratings=10,
            unhappy=6,
            acknowledged_at=datetime(2025, 5, 5, 2, 12, tzinfo=UTC),
        )
    )
    db.session.commit()
    return org
