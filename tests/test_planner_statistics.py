"""After a bulk load the query planner knows what is there: ANALYZE after the demo, imports and rebuilds."""

from datetime import UTC, datetime

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Rating
from feedback_app.services.planner import refresh_planner_statistics
from feedback_app.services.rollups import refresh_rollups
from tests.analytics.factories import make_rating
from tests.cases_lists.test_import import HEADER, ROWS, big5

from .conftest import CALENDAR_DIR, login


def _forget_statistics() -> datetime | None:
    """Start from no statistics (SQLite) or note the moment (PostgreSQL keeps when each table was analysed)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(sa.text("SELECT clock_timestamp()"))
    if db.session.scalar(sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        db.session.execute(sa.text("DELETE FROM sqlite_stat1"))
        db.session.commit()
    return None


def _analysed(since: datetime | None) -> set[str]:
    """The tables analysed since the given moment (PostgreSQL) or that have statistics (SQLite)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        rows = db.session.execute(sa.text("SELECT relname, last_analyze FROM pg_stat_user_tables")).all()
        return {name for name, at in rows if at is not None and at >= since}
    if not db.session.scalar(sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        return set()
    return set(db.session.scalars(sa.text("SELECT DISTINCT tbl FROM sqlite_stat1")))


def test_seed_demo_leaves_the_planner_statistics_of_everything_it_loaded(runner):
    since = _forget_statistics()
    result = runner.invoke(args=["seed-demo", "--ratings-per-day", "1", "--cases", "30"])
    assert result.exit_code == 0, result.output
    assert {"ratings", "answers", "cases", "case_events", "notifications", "score_rollups",
            "calendar_days"} <= _analysed(since)
    if db.engine.dialect.name == "postgresql":
        reltuples = db.session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'ratings'"))
        assert reltuples > 1000


def test_a_case_import_from_the_command_line_refreshes_the_statistics_of_cases(runner, org, tmp_path):
    path = tmp_path / "dispatch.csv"
    path.write_bytes(big5(HEADER + ROWS))
    since = _forget_statistics()
    result = runner.invoke(args=["cases", "import", str(path), "--office", "AA", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "cases" not in _analysed(since)
    result = runner.invoke(args=["cases", "import", str(path), "--office", "AA"])
    assert result.exit_code == 0, result.output
    assert {"cases", "case_events"} <= _analysed(since)


def test_a_case_import_on_the_page_refreshes_the_statistics_of_cases(client, org):
    import base64

    login(client, "aa.supervisor")
    since = _forget_statistics()
    payload = base64.b64encode(big5(HEADER + ROWS)).decode()
    done = client.post("/cases/import", data={"office": str(org.a.id), "action": "import", "payload": payload})
    assert done.status_code == 200 and "已匯入 3 件案件" in done.get_data(as_text=True)
    assert {"cases", "case_events"} <= _analysed(since)


def test_a_calendar_import_refreshes_the_statistics_of_the_calendar(runner):
    since = _forget_statistics()
    result = runner.invoke(args=["calendar", "import", str(CALENDAR_DIR / "2025.csv")])
    assert result.exit_code == 0, result.output
    assert "calendar_days" in _analysed(since)


def test_a_rollup_rebuild_refreshes_the_statistics_of_the_rollups(runner, org):
    for day in range(1, 20):
        make_rating(org.a, datetime(2025, 3, day, 2, tzinfo=UTC), 1 + day % 5)
    db.session.commit()
    refresh_rollups()
    since = _forget_statistics()
    result = runner.invoke(args=["analytics", "rebuild"])
    assert result.exit_code == 0, result.output
    assert {"score_rollups", "month_rollups", "hour_rollups"} <= _analysed(since)


def test_refreshing_the_statistics_of_named_tables_leaves_the_others_alone(org):
    make_rating(org.a, datetime(2025, 3, 3, 2, tzinfo=UTC), 4)
    since = _forget_statistics()
    refresh_planner_statistics(Rating)
    analysed = _analysed(since)
    assert "ratings" in analysed and "users" not in analysed
