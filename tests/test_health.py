"""/healthz and `flask check`: the database, this year's and next year's office calendar, and Redis when the
rate limits live there; 200 / exit 0 when all required parts answer, 503 / exit 1 with what is missing."""

from datetime import datetime

import pytest

from feedback_app.extensions import db
from feedback_app.services import health
from feedback_app.services.calendar import TAIPEI, import_calendar

from .conftest import CALENDAR_DIR

DECEMBER = datetime(2025, 12, 15, 10, 0, tzinfo=TAIPEI)
JUNE = datetime(2025, 6, 16, 10, 0, tzinfo=TAIPEI)


@pytest.fixture
def today(monkeypatch):
    def set_now(moment):
        monkeypatch.setattr(health, "utcnow", lambda: moment)

    return set_now


def _import(*years):
    for year in years:
        import_calendar((CALENDAR_DIR / f"{year}.csv").read_bytes(), f"{year}.csv", imported_by="test")
    db.session.commit()


def test_healthz_is_ok_with_the_database_and_both_years_calendars(client, today):
    today(DECEMBER)
    _import(2025, 2026)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "calendar": {"2025": "ok", "2026": "ok"}}


def test_a_database_without_next_years_calendar_is_reported_missing_in_december(client, today):
    today(DECEMBER)
    _import(2025)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "ok", "calendar": {"2025": "ok", "2026": "missing"}}


def test_next_years_calendar_is_not_yet_required_before_december(client, today):
    today(JUNE)
    _import(2025)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["calendar"] == {"2025": "ok", "2026": "not_yet_required"}


def test_a_database_without_this_years_calendar_is_reported_missing(client, today):
    today(JUNE)
    _import(2024)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["calendar"]["2025"] == "missing"


def test_check_prints_every_part_and_exits_non_zero_when_a_calendar_is_missing(runner, today):
    today(DECEMBER)
    _import(2025)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "database         ok" in result.output
    assert "calendar 2025    ok" in result.output
    assert "calendar 2026    missing" in result.output and "calendar import" in result.output
    assert "redis            not configured" in result.output
    assert "calendar 2026: missing" in result.output


def test_check_exits_zero_when_everything_required_answers(runner, today):
    today(DECEMBER)
    _import(2025, 2026)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "all required parts answer" in result.output


def test_healthz_and_check_report_a_configured_redis_that_answers(make_app, redis_url, today):
    today(JUNE)
    app = make_app(RATELIMIT_STORAGE_URI=redis_url)
    with app.app_context():
        _import(2025)
        assert app.test_client().get("/healthz").get_json()["redis"] == "ok"
        result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "redis            ok" in result.output


def test_healthz_and_check_report_a_configured_redis_that_does_not_answer(make_app, today):
    today(JUNE)
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    with app.app_context():
        _import(2025)
        response = app.test_client().get("/healthz")
        result = app.test_cli_runner().invoke(args=["check"])
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "ok", "redis": "error",
                                   "calendar": {"2025": "ok", "2026": "not_yet_required"}}
    assert result.exit_code == 1 and "redis: error" in result.output


def test_check_on_a_database_without_the_schema_says_to_migrate(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.db'}")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["check"])
        response = app.test_client().get("/healthz")
    assert result.exit_code == 1 and "flask --app wsgi db upgrade" in result.output
    assert response.status_code == 503 and response.get_json()["database"] == "ok"
