"""資料開放: public, aggregated, de-identified; small cells suppressed; described in the OpenAPI document."""

import re
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Office, Rating
from feedback_app.services.analytics import CHANNEL_GROUPS
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.rollups import refresh_rollups

from .factories import make_rating


def roll_up():
    """What the roll-up job does every few minutes; open data is published from its result."""
    refresh_rollups()
    db.session.commit()


@contextmanager
def statements():
    """Every SQL statement the app runs meanwhile."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def direct_count(first_month: str, last_month: str) -> dict[tuple, tuple[int, int]]:
    """(office code, YYYY-MM, channel group) -> (answers, satisfied), counted straight from the ratings;
    figures of cells under five answers withheld as open data withholds them."""
    group_of = {channel: group for group, channels in CHANNEL_GROUPS.items() for channel in channels}
    codes = dict(db.session.execute(sa.select(Office.id, Office.code)).all())
    answers, satisfied = Counter(), Counter()
    for rating in db.session.scalars(sa.select(Rating).where(Rating.is_noise.is_(False))):
        month = rating.tapped_at.astimezone(TAIPEI).strftime("%Y-%m")
        if rating.channel in group_of and first_month <= month <= last_month and rating.score:
            key = (codes[rating.office_id], month, group_of[rating.channel])
            answers[key] += 1
            satisfied[key] += rating.score >= 4
    return {key: (n, satisfied[key]) if n >= 5 else (None, None) for key, n in answers.items()}


def test_open_data_is_public_aggregated_per_office_month_and_channel(client, quarter_data):
    roll_up()
    response = client.get("/api/v1/opendata/satisfaction.json?start=2025-01&end=2025-06")
    assert response.status_code == 200
    rows = response.json
    assert {r["office_code"] for r in rows} == {"AA", "BB"}
    assert {r["channel"] for r in rows} == {"kiosk", "qr"}
    assert set(rows[0]) == {
        "city",
        "office_code",
        "office_name",
        "month",
        "channel",
        "answers",
        "satisfied",
        "satisfaction_rate",
        "suppressed",
    }  # no personal data, no free text
    row = next(r for r in rows if not r["suppressed"])
    assert row["satisfaction_rate"] == round(row["satisfied"] / row["answers"], 4)


def test_cells_with_fewer_than_five_answers_are_suppressed(client, org):
    for score in (5, 5, 1, 4):
        make_rating(org.a, datetime(2025, 3, 3, 2, tzinfo=UTC), score)
    db.session.commit()
    roll_up()
    rows = client.get("/api/v1/opendata/satisfaction.json?start=2025-03&end=2025-03").json
    assert rows == [
        {
            "city": "TPE",
            "office_code": "AA",
            "office_name": org.a.name,
            "month": "2025-03",
            "channel": "kiosk",
            "answers": None,
            "satisfied": None,
            "satisfaction_rate": None,
            "suppressed": True,
        }
    ]
    make_rating(org.a, datetime(2025, 3, 4, 2, tzinfo=UTC), 3)
    db.session.commit()
    roll_up()
    rows = client.get("/api/v1/opendata/satisfaction.json?start=2025-03&end=2025-03").json
    assert rows[0]["answers"] == 5 and rows[0]["satisfied"] == 3


def test_the_csv_has_the_same_rows(client, quarter_data):
    roll_up()
    json_rows = client.get("/api/v1/opendata/satisfaction.json?start=2025-01&end=2025-06").json
    csv = client.get("/api/v1/opendata/satisfaction.csv?start=2025-01&end=2025-06")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data().decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("city,office_code") and len(lines) == len(json_rows) + 1


def test_bad_spans_are_refused_with_a_json_error(client, org):
    assert client.get("/api/v1/opendata/satisfaction.json?start=2025-13").status_code == 422
    response = client.get("/api/v1/opendata/satisfaction.json?start=2020-01&end=2025-06")
    assert response.status_code == 422 and "error" in response.json
    assert client.get("/api/v1/opendata/satisfaction.json?start=2025-06&end=2025-01").status_code == 422


def test_open_data_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/opendata/satisfaction.json" in paths and "/api/v1/opendata/satisfaction.csv" in paths


def test_open_data_is_read_from_the_roll_ups_and_never_queries_the_ratings(client, quarter_data, org):
    """Anyone may call it, so it must stay cheap: it reads the roll-ups the roll-up job keeps, with the figures a
    direct count of the ratings gives, and ratings stored since the last roll-up appear after the next one."""
    roll_up()
    with statements() as seen:
        rows = client.get("/api/v1/opendata/satisfaction.json?start=2025-01&end=2025-06").json
        csv = client.get("/api/v1/opendata/satisfaction.csv?start=2025-01&end=2025-06")
    assert csv.status_code == 200 and seen
    assert not [s for s in seen if re.search(r"\bratings\b", s)]
    published = {(r["office_code"], r["month"], r["channel"]): (r["answers"], r["satisfied"]) for r in rows}
    assert published == direct_count("2025-01", "2025-06")

    for score in (1, 1, 1, 1, 1):
        make_rating(org.a, datetime(2025, 2, 3, 2, tzinfo=UTC), score)
    db.session.commit()
    assert client.get("/api/v1/opendata/satisfaction.json?start=2025-01&end=2025-06").json == rows
    roll_up()
    rows = client.get("/api/v1/opendata/satisfaction.json?start=2025-01&end=2025-06").json
    published = {(r["office_code"], r["month"], r["channel"]): (r["answers"], r["satisfied"]) for r in rows}
    assert published == direct_count("2025-01", "2025-06")
