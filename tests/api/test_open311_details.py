"""Open311 as clients use it: the key in the query string, dates without a time, and who sees the look-up code."""

from datetime import datetime
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.cases import intake

from .factories import make_case, make_token

BASE = "/open311/v2"
CODE = "K7P2M9QX"


def file_request(client, query: str = "", body: str = ""):
    return client.post(
        f"{BASE}/requests.json{query}", data=body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )


def count_cases() -> int:
    return db.session.scalar(sa.select(sa.func.count(Case.id)))


def test_api_key_and_jurisdiction_in_the_query_string_file_a_request_as_in_the_body(client, org, writer):
    body = "service_code=waiting_time&attribute[OFFICE]=AA&description=%E7%AD%89%E5%A4%AA%E4%B9%85"
    response = file_request(client, f"?api_key={quote(writer)}&jurisdiction_id=TPE", body)
    assert response.status_code == 200, response.json
    assert count_cases() == 1
    assert file_request(client, "?api_key=cf_nope", body).status_code == 403
    assert file_request(client, "", body).status_code == 403
    assert count_cases() == 1


def test_the_key_in_the_body_wins_over_one_in_the_query_string(client, org, writer):
    body = f"api_key={quote(writer)}&service_code=waiting_time&attribute[OFFICE]=AA"
    assert file_request(client, "?api_key=cf_nope", body).status_code == 200


def received(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def days_of_january(org):
    """Cases received around the Taipei midnights that begin and end 2025-01-22 (UTC midnight is 08:00 there)."""
    numbers = {}
    for label, when in (
        ("before", "2025-01-21T23:59:59+08:00"),
        ("first", "2025-01-22T00:00:00+08:00"),
        ("utc_day_before", "2025-01-22T07:59:00+08:00"),
        ("last", "2025-01-22T23:59:59.900000+08:00"),
        ("after", "2025-01-23T00:00:00+08:00"),
        ("february", "2025-02-03T09:00:00+08:00"),
    ):
        case, _ = make_case(org.a, received_at=received(when))
        numbers[case.number] = label
    return numbers


def listed(client, days, **query) -> set[str]:
    response = client.get(f"{BASE}/requests.json", query_string={"jurisdiction_id": "TPE", **query})
    assert response.status_code == 200, response.json
    return {days[request["service_request_id"]] for request in response.json}


def test_a_date_alone_is_that_whole_day_in_taipei(client, days_of_january):
    day = listed(client, days_of_january, start_date="2025-01-22", end_date="2025-01-22")
    assert day == {"first", "utc_day_before", "last"}
    assert listed(client, days_of_january, start_date="2025-01-23", end_date="2025-01-23") == {"after"}


def test_a_date_alone_mixes_with_a_date_and_time(client, days_of_january):
    assert listed(
        client, days_of_january, start_date="2025-01-22T12:00:00+08:00", end_date="2025-01-23"
    ) == {"last", "after"}
    assert listed(client, days_of_january, start_date="2025-01-21", end_date="2025-01-22T00:00:00Z") == {
        "before", "first", "utc_day_before",
    }


def test_a_month_alone_is_that_whole_month_in_taipei(client, days_of_january):
    month = listed(client, days_of_january, start_date="2025-01", end_date="2025-01")
    assert month == {"before", "first", "utc_day_before", "last", "after"}


@pytest.mark.parametrize(
    "start, end", [("2025-01-32", "2025-02-01"), ("2025-02-30", "2025-03-01"), ("2025-1-5", "2025-01-06"),
                   ("2025-01-22", "2025-13"), ("20250122", "2025-01-23"), ("2025-01-23", "2025-01-22")]
)
def test_a_date_that_is_not_one_or_ends_before_it_starts_is_refused(client, org, start, end):
    response = client.get(
        f"{BASE}/requests.json", query_string={"jurisdiction_id": "TPE", "start_date": start, "end_date": end}
    )
    assert response.status_code == 400 and response.json[0]["code"] == 400


@pytest.fixture
def known_code(monkeypatch):
    monkeypatch.setattr(intake, "new_lookup_code", lambda: CODE)
    return CODE


def notice(client, token: str, extra: str = "") -> str:
    body = f"api_key={quote(token)}&service_code=waiting_time&attribute[OFFICE]=AA{extra}"
    response = file_request(client, "", body)
    assert response.status_code == 200, response.json
    return response.json[0]["service_notice"]


def test_an_intermediarys_key_never_gets_the_petitioners_look_up_code(client, org, writer, known_code):
    assert known_code not in notice(client, writer)
    mailed = notice(client, writer, "&email=citizen%40example.tw")
    assert known_code not in mailed and "電子郵件" in mailed


def test_the_petitioners_own_channel_gets_the_look_up_code(client, org, known_code):
    own = make_token(org, "open311:petitioner", name="市民陳情網")
    text = notice(client, own)
    assert known_code in text
    case = db.session.scalar(sa.select(Case))
    assert intake.check_lookup_code(case, known_code)
    assert case.due_at.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M") in text


def test_a_key_with_both_scopes_is_the_petitioners_channel(client, org, known_code):
    both = make_token(org, "open311 open311:petitioner", name="市民陳情網")
    assert known_code in notice(client, both)
