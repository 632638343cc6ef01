"""The demo city has a staff survey to show: two closed rounds with answers and one open round."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import City, Notification, StaffSurveyResponse, StaffSurveyRound, utcnow
from feedback_app.services import analytics, reports, staff_survey
from feedback_app.services.stats import Period


def test_the_demo_has_closed_rounds_with_answers_and_an_open_round(runner):
    result = runner.invoke(args=["seed-demo", "--ratings-per-day", "1", "--cases", "10"])
    assert result.exit_code == 0, result.output
    rounds = db.session.scalars(sa.select(StaffSurveyRound).order_by(StaffSurveyRound.ends_on)).all()
    assert [r.is_open for r in rounds] == [False, False, True]
    latest = rounds[1]
    results = staff_survey.round_results(latest)
    assert 30 < results.answered < results.invited
    assert staff_survey.previous_round(latest).id == rounds[0].id
    shown = [r for r in results.rows if r.level == "unit" and not r.suppressed]
    assert shown and any(r.change is not None for r in shown)
    assert any(r.suppressed for r in results.rows)  # 行政課 has four staff: never shown on its own
    assert db.session.scalar(sa.select(sa.func.count()).where(
        StaffSurveyResponse.round_id == rounds[2].id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Notification.kind == staff_survey.KIND, Notification.status == "queued")) == results.invited
    city = db.session.scalar(sa.select(City))
    board = analytics.dashboard(analytics.scope_of(city), Period.containing(latest.closed_at))
    table = next(t for t in reports.tables(board) if t.key == "staff")
    assert latest.title in table.note and len(table.rows) > 3
    assert utcnow() > latest.closed_at
