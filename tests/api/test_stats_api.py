"""GET /api/v1/stats/*: the dashboard's own figures, for a token with stats:read, within its user's reach."""

from dataclasses import asdict
from datetime import UTC, datetime

import pytest

from feedback_app.extensions import db
from feedback_app.models import Channel
from feedback_app.services.analytics import Selection, dashboard, scope_of
from feedback_app.services.stats import Period
from feedback_app.services.tokens import issue_token
from tests.analytics.conftest import quarter_data  # noqa: F401  (2025 Q1 and Q2 of ratings and cases)
from tests.analytics.factories import make_rating

from .factories import bearer, make_token

BASE = "/api/v1/stats"
Q2 = Period("quarter", 2025, 2)


def satisfaction(s) -> dict:
    """A stats.Satisfaction as the API writes it."""
    values = asdict(s)
    values["answers"] = values.pop("n")
    return values


def responses(block: dict) -> dict:
    return {
        **block,
        "on_time_interval": list(block["on_time_interval"]),
        "reply_on_time_interval": list(block["reply_on_time_interval"]),
        "reply": satisfaction(block["reply"]),
    }


@pytest.fixture
def seeded(quarter_data):  # noqa: F811
    """The analytics quarter, plus a kiosk tap set aside as noise so the noise count is not always 0."""
    make_rating(quarter_data.a, datetime(2025, 5, 6, 2, tzinfo=UTC), 1, channel=Channel.KIOSK, noise=True)
    db.session.commit()
    return quarter_data


@pytest.mark.parametrize("channel", ["separate", "combined", "qr"])
@pytest.mark.parametrize("office", ["AA", None])
def test_satisfaction_equals_the_dashboard(client, seeded, office, channel):
    org = seeded
    token = make_token(org, "stats:read")
    query = {"period": "2025-Q2", "channel": channel} | ({"office": office} if office else {})
    answer = client.get(f"{BASE}/satisfaction", query_string=query, headers=bearer(token))
    assert answer.status_code == 200, answer.json
    board = dashboard(scope_of(org.a if office else org.tpe), Q2, Selection(channel=channel))
    expected = [
        {
            "channel": line.key,
            "current": satisfaction(line.current),
            "previous": satisfaction(line.previous),
            "last_year": satisfaction(line.last_year),
            "vs_previous": asdict(line.vs_previous),
            "vs_last_year": asdict(line.vs_last_year),
        }
        for line in board.lines
    ]
    body = answer.json
    assert body["lines"] == expected
    assert body["scope"] == {"city": "TPE", "office": office, "name": board.scope.name}
    assert body["period"] == {
        "key": "2025-Q2",
        "label": "114年第2季",
        "start": "2025-04-01",
        "end": "2025-06-30",
        "previous": "2025-Q1",
        "last_year": "2024-Q2",
    }
    assert all(line["current"]["answers"] > 0 and line["vs_previous"]["points"] is not None for line in expected)
    if channel != "qr":
        assert sum(line["current"]["noise"] for line in expected) == 1


@pytest.mark.parametrize("office", ["AA", None])
def test_responses_equal_the_dashboard(client, seeded, office):
    org = seeded
    token = make_token(org, "stats:read")
    query = {"period": "2025-Q2"} | ({"office": office} if office else {})
    answer = client.get(f"{BASE}/responses", query_string=query, headers=bearer(token))
    assert answer.status_code == 200, answer.json
    cases = dashboard(scope_of(org.a if office else org.tpe), Q2).cases
    body = answer.json
    for key in ("current", "previous", "last_year"):
        assert body[key] == responses(cases[key]), key
    for key in ("on_time_vs_previous", "on_time_vs_last_year", "reply_on_time_vs_previous",
                "reply_on_time_vs_last_year", "reply_vs_previous", "reply_vs_last_year"):
        assert body[key] == asdict(cases[key]), key
    assert body["open_overdue"] == cases["open_overdue"] == 1
    assert body["current"]["received"] == (3 if office else 4) and body["current"]["reply"]["answers"] == 2


def get(client, token, path="satisfaction", **query):
    return client.get(f"{BASE}/{path}", query_string={"period": "2025-Q2", **query}, headers=bearer(token))


def test_an_office_token_reads_its_own_office_only(client, org):
    token = make_token(org, "stats:read", office=org.a)
    for path in ("satisfaction", "responses"):
        assert get(client, token, path).json["scope"]["office"] == "AA"
        assert get(client, token, path, office="AA").status_code == 200
        for other in ("BB", "CC"):
            refused = get(client, token, path, office=other)
            assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden", other


def test_a_city_wide_token_reads_the_city_or_any_of_its_offices(client, org):
    token = make_token(org, "stats:read")
    assert get(client, token).json["scope"] == {"city": "TPE", "office": None, "name": org.tpe.name}
    assert get(client, token, office="BB").json["scope"]["office"] == "BB"
    assert get(client, token, "responses", office="CC").status_code == 403


def test_a_users_token_reaches_what_the_user_reaches(client, org):
    tokens = {}
    for who in (("BB", "supervisor"), ("TPE", "monitor")):
        _, tokens[who] = issue_token(name="script", scopes="stats:read", user=org.users[who])
    db.session.commit()
    supervisor, monitor = tokens[("BB", "supervisor")], tokens[("TPE", "monitor")]
    assert get(client, supervisor).json["scope"]["office"] == "BB"
    assert get(client, supervisor, office="AA").status_code == 403
    assert get(client, monitor).json["scope"]["office"] is None
    assert get(client, monitor, office="AA").json["scope"]["office"] == "AA"


@pytest.mark.parametrize("path", ["satisfaction", "responses"])
def test_a_bad_period_or_office_is_422_like_any_field_that_is_not_valid(client, org, path):
    token = make_token(org, "stats:read")
    for query, field in (
        ({"period": "2025-Q5"}, "period"),
        ({"period": "last quarter"}, "period"),
        ({"period": "1999"}, "period"),
        ({"period": f"{datetime.now(UTC).year + 1}-01"}, "period"),
        ({"office": "ZZ"}, "office"),
    ):
        answer = get(client, token, path, **query)
        assert answer.status_code == 422, query
        assert answer.json["error"]["code"] == "invalid" and field in answer.json["error"]["details"]
    assert get(client, token, path, period="").status_code == 200  # the current quarter


@pytest.mark.parametrize("path", ["satisfaction", "responses"])
def test_a_token_without_stats_read_is_refused(client, org, path):
    missing = client.get(f"{BASE}/{path}")
    assert missing.status_code == 401 and missing.json["error"]["code"] == "unauthorized"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert get(client, "not-a-token", path).status_code == 401
    writer = make_token(org, "cases:read cases:write open311 ratings:write")
    refused = get(client, writer, path)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "insufficient_scope"


def test_the_openapi_document_describes_the_statistics(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path, schema in (("satisfaction", "SatisfactionReport"), ("responses", "ResponsesReport")):
        operation = paths[f"{BASE}/{path}"]["get"]
        assert operation["security"] == [{"bearerAuth": []}]
        assert {"200", "401", "403", "422"} <= set(operation["responses"])
        body = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith(schema)
