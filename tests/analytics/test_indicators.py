"""意見回應 indicators and the alerts of the quarter, counted from cases as they are."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Questionnaire
from feedback_app.services import questionnaires
from feedback_app.services.analytics import alert_summary, case_indicators, dashboard, scope_of
from feedback_app.services.stats import Period


def test_case_indicators_of_an_office(quarter_data):
    org = quarter_data
    now = datetime(2025, 7, 1, tzinfo=UTC)
    figures = case_indicators(scope_of(org.a), Period("quarter", 2025, 2), now=now)
    cur = figures["current"]
    assert (cur["received"], cur["closed"], cur["on_time"]) == (3, 2, 1)
    assert cur["on_time_rate"] == pytest.approx(0.5)  # 如期結案率 = closed by due date / closed
    # Received Mon 7 April; closed Thu 10 April (3 working days) and Mon 21 April (10 working days).
    assert cur["mean_days"] == pytest.approx(6.5) and cur["median_days"] == pytest.approx(6.5)
    assert cur["reply"].n == 2 and cur["reply"].rate == pytest.approx(0.5)
    assert figures["open_overdue"] == 1  # the case still in progress, past its due date at `now`
    assert figures["review"] == {"—": {"resolved": 1, "explained": 1}}
    assert [label for label, _ in figures["breakdowns"]["channel"]] == ["email"]


def test_a_director_of_one_office_counts_only_that_office(quarter_data):
    org = quarter_data
    city = case_indicators(
        scope_of(org.tpe), Period("quarter", 2025, 2), now=datetime(2025, 7, 1, tzinfo=UTC)
    )
    assert city["current"]["received"] == 4 and city["current"]["closed"] == 3


def test_alerts_of_the_quarter_with_time_to_acknowledge(quarter_data):
    org = quarter_data
    summary = alert_summary(scope_of(org.a), Period("quarter", 2025, 2))
    assert summary["count"] == 1 and summary["acknowledged"] == 1
    assert summary["median_minutes"] == pytest.approx(12)
    assert alert_summary(scope_of(org.b), Period("quarter", 2025, 2))["count"] == 0


def test_reasons_are_labelled_with_the_newest_published_wording(quarter_data):
    org = quarter_data
    admin = org.users[("TPE", "admin")]
    kiosk = db.session.scalars(
        sa.select(Questionnaire).where(Questionnaire.city_id == org.tpe.id, Questionnaire.code == "kiosk")
    ).one()
    draft = questionnaires.new_draft(admin, kiosk.id)
    questionnaires.update_texts(admin, draft.id, {("reasons", "wait_long", "zh_TW"): "排隊等太久"})
    questionnaires.publish(admin, draft.id)
    board = dashboard(scope_of(org.tpe), Period("quarter", 2025, 2))
    assert board.reason_labels["wait_long"] == "排隊等太久"


def test_city_case_tables_name_each_unit_with_its_office_and_each_channel_by_its_label(quarter_data):
    from feedback_app.services.reports import case_tables

    org = quarter_data
    board = dashboard(scope_of(org.tpe), Period("quarter", 2025, 2))
    by_key = {table.key: table for table in case_tables(board)}
    units = sorted(row[0].text for row in by_key["cases_by_unit"].rows)
    assert units == sorted(f"{office.name} 戶籍登記課" for office in (org.a, org.b))
    assert [row[0].text for row in by_key["cases_by_channel"].rows] == ["電子郵件"]
