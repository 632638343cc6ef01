"""資料開放: public, aggregated, de-identified; small cells suppressed; described in the OpenAPI document."""

from datetime import UTC, datetime

from feedback_app.extensions import db

from .factories import make_rating


def test_open_data_is_public_aggregated_per_office_month_and_channel(client, quarter_data):
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
    rows = client.get("/api/v1/opendata/satisfaction.json?start=2025-03&end=2025-03").json
    assert rows[0]["answers"] == 5 and rows[0]["satisfied"] == 3


def test_the_csv_has_the_same_rows(client, quarter_data):
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
