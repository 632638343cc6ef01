"""Like with like (金城): an office is compared with offices of its own kind by default, with the city on request."""

from datetime import UTC, datetime, timedelta

import pytest

from feedback_app.extensions import db
from feedback_app.services import reports
from feedback_app.services.analytics import Selection, dashboard, scope_of
from feedback_app.services.stats import Period
from tests import factories
from tests.conftest import login

from .factories import make_rating

QUARTER = Period("quarter", 2025, 2)


@pytest.fixture
def two_kinds(org):
    """AA and DD are 戶政事務所 (all 5s and all 3s: pooled 50%), BB is a 區公所 (all 5s)."""
    org.b.kind = "district"
    dd = factories.make_office(org.tpe, "DD")
    for office, score in ((org.a, 5), (dd, 3), (org.b, 5)):
        for i in range(40):
            make_rating(office, datetime(2025, 4, 1, 2, tzinfo=UTC) + timedelta(days=i), score)
    db.session.commit()
    org.d = dd
    return org


def _points(board):
    return {p["name"]: p for p in board.funnel}


def test_offices_are_compared_with_their_own_kind_by_default(two_kinds):
    board = dashboard(scope_of(two_kinds.tpe), QUARTER)
    points = _points(board)
    assert points["AA戶政事務所"]["reference"] == pytest.approx(0.5)
    assert points["BB戶政事務所"]["reference"] == pytest.approx(1.0)  # a 區公所 against 區公所
    assert points["BB戶政事務所"]["position"] == "within"
    assert {g["kind"] for g in board.funnel_groups} == {"household", "district"}
    table = next(t for t in reports.tables(board) if t.key == "comparison")
    assert "same kind" in table.title or "同性質" in table.title
    assert reports.chart_titles(board)["funnel"] == "與同性質機關比較（漏斗圖）"
    figure = reports.figure(board, "funnel")
    assert len(figure.axes) == 2  # one funnel per kind, each around its own rate


def test_the_pooled_city_rate_on_request(two_kinds):
    board = dashboard(scope_of(two_kinds.tpe), QUARTER, Selection(compare="city"))
    points = _points(board)
    assert {round(p["reference"], 4) for p in points.values()} == {round(80 / 120, 4)}
    assert board.funnel_rate == pytest.approx(80 / 120)
    assert points["BB戶政事務所"]["position"].startswith("above")
    assert reports.chart_titles(board)["funnel"] == "與全市比較（漏斗圖）"
    assert len(reports.figure(board, "funnel").axes) == 1


def test_an_office_s_counters_are_compared_with_its_kind(two_kinds):
    board = dashboard(scope_of(two_kinds.a), QUARTER)
    assert board.funnel_rate == pytest.approx(0.5)
    assert dashboard(scope_of(two_kinds.b), QUARTER).funnel_rate == pytest.approx(1.0)


def test_the_dashboard_offers_the_choice_and_says_what_it_compares_with(client, two_kinds):
    login(client, "tpe.monitor")
    page = client.get("/analytics/?period=2025-Q2").get_data(as_text=True)
    assert 'name="compare"' in page and "與同性質機關比較（漏斗圖）" in page
    assert "/analytics/chart/funnel.png?period=2025-Q2" in page
    page = client.get("/analytics/?period=2025-Q2&compare=city").get_data(as_text=True)
    assert "與全市比較（漏斗圖）" in page and "compare=city" in page
    assert client.get("/analytics/?period=2025-Q2&compare=moon").status_code == 400
