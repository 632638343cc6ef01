"""Pure statistics: rates, Wilson intervals, growth, ROC periods in Asia/Taipei, funnel limits, Pareto."""

from datetime import UTC, datetime

import pytest

from feedback_app.services import stats
from feedback_app.services.stats import Period, ScoreCounts


def test_satisfaction_is_top_two_box_over_valid_answers_with_mean_and_distribution():
    s = stats.satisfaction(ScoreCounts([1, 2, 3, 4, 10], noise=7))
    assert s.n == 20 and s.satisfied == 14
    assert s.rate == pytest.approx(0.7)
    assert s.mean == pytest.approx((1 + 4 + 9 + 16 + 50) / 20)
    assert s.distribution == pytest.approx([0.05, 0.1, 0.15, 0.2, 0.5])
    assert s.noise == 7  # counted and shown, never in n


def test_wilson_interval_matches_the_published_formula():
    low, high = stats.wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=1e-4)
    assert high == pytest.approx(0.3662, abs=1e-4)
    assert stats.wilson_interval(0, 10)[0] == 0.0
    assert stats.wilson_interval(0, 0) == (None, None)


def test_fewer_than_thirty_answers_are_too_few():
    assert stats.satisfaction(ScoreCounts([0, 0, 0, 0, 29])).too_few
    assert not stats.satisfaction(ScoreCounts([0, 0, 0, 0, 30])).too_few


def test_growth_in_points_and_relative_with_direction():
    g = stats.growth(0.72, 0.60)
    assert g.points == pytest.approx(12.0)
    assert g.relative == pytest.approx(0.2)
    assert g.direction == 1
    assert stats.growth(0.5, 0.6).direction == -1
    assert stats.growth(None, 0.6).points is None
    assert stats.growth(0.5, 0.0).relative is None


def test_quarter_is_labelled_in_roc_years_and_bounded_in_taipei():
    q = Period("quarter", 2025, 3)
    assert q.label == "114年第3季"
    assert q.start_utc == datetime(2025, 6, 30, 16, 0, tzinfo=UTC)
    assert q.end_utc == datetime(2025, 9, 30, 16, 0, tzinfo=UTC)
    assert q.previous() == Period("quarter", 2025, 2)
    assert Period("quarter", 2025, 1).previous() == Period("quarter", 2024, 4)
    assert q.same_last_year() == Period("quarter", 2024, 3)
    assert Period("month", 2025, 1).previous() == Period("month", 2024, 12)
    assert Period("month", 2025, 3).label == "114年3月"
    assert Period("year", 2025).ym_range == (202501, 202512)
    assert q.span_text == "2025-07-01 – 2025-09-30"


def test_a_tap_late_on_the_last_day_of_a_quarter_belongs_to_it_in_taipei():
    tap = datetime(2025, 3, 31, 15, 30, tzinfo=UTC)  # 23:30 in Taipei
    assert Period.containing(tap, "quarter") == Period("quarter", 2025, 1)
    assert Period.containing(tap, "month") == Period("month", 2025, 3)
    assert Period.containing(datetime(2025, 3, 31, 16, 0, tzinfo=UTC), "quarter") == Period(
        "quarter", 2025, 2
    )


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2025-03", Period("month", 2025, 3)),
        ("2025-q3", Period("quarter", 2025, 3)),
        ("2025", Period("year", 2025)),
    ],
)
def test_periods_parse_from_the_query_string(text, expected):
    assert Period.parse(text) == expected


@pytest.mark.parametrize("text", ["2025-13", "2025-Q5", "abc", "2025-Q0", ""])
def test_bad_periods_are_refused(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_funnel_limits_narrow_with_sample_size_and_classify_outliers():
    wide = stats.funnel_limits(0.7, 50)["95"]
    narrow = stats.funnel_limits(0.7, 5000)["95"]
    assert wide[0] < narrow[0] < 0.7 < narrow[1] < wide[1]
    assert stats.funnel_limits(0.7, 100)["99.8"][0] < stats.funnel_limits(0.7, 100)["95"][0]
    # The same 60% is unremarkable from 20 answers but far below the city from 2,000.
    assert stats.funnel_position(0.6, 20, 0.7) == "within"
    assert stats.funnel_position(0.6, 2000, 0.7) == "below_998"
    assert stats.funnel_position(0.76, 400, 0.7) == "above_95"


def test_pareto_ranks_reasons_with_cumulative_share():
    rows = stats.pareto({"wait_long": 6, "attitude": 3, "other": 1})
    assert [r[0] for r in rows] == ["wait_long", "attitude", "other"]
    assert rows[0][2] == pytest.approx(0.6)
    assert rows[-1][3] == pytest.approx(1.0)


def test_heatmap_holds_rates_per_weekday_and_hour_and_blanks_empty_cells():
    grid = stats.heatmap({(0, 9): ScoreCounts([0, 0, 1, 1, 2]), (6, 10): ScoreCounts()}, range(9, 11))
    assert grid[0] == [pytest.approx(0.75), None]
    assert grid[6] == [None, None]
