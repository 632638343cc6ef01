"""Property tests (hypothesis) of the statistics: rates and intervals stay in [0, 1], growth has the sign of the
change, and counts add up across every breakdown, for the pure arithmetic and for random ratings and cases
counted from the database (partly folded into the roll-ups, partly not).
"""

import math
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_app.extensions import db
from feedback_app.models import (
    Answer,
    Case,
    CaseCycle,
    CaseEvent,
    Channel,
    Rating,
)
from feedback_app.services import stats
from feedback_app.services.analytics import case_indicators, scope_of
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.rollups import ROLLUPS, Filters, demographic_counts, refresh_rollups, score_counts
from feedback_app.services.stats import Period, ScoreCounts

from .factories import make_case, make_rating

EPS = 1e-12
DB_SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

score_lists = st.lists(st.integers(min_value=0, max_value=10_000), min_size=5, max_size=5)
proportions = st.integers(min_value=0, max_value=100_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
rates = st.floats(min_value=0, max_value=1, allow_nan=False)


@given(proportions)
def test_wilson_interval_lies_in_0_1_and_contains_the_observed_rate(pair):
    successes, n = pair
    low, high = stats.wilson_interval(successes, n)
    if n == 0:
        assert (low, high) == (None, None)
        return
    assert 0.0 <= low <= high <= 1.0
    assert low - EPS <= successes / n <= high + EPS


@given(score_lists, st.integers(min_value=0, max_value=100))
def test_satisfaction_rate_interval_mean_and_distribution_are_consistent(counts, noise):
    figures = stats.satisfaction(ScoreCounts(counts, noise))
    n = sum(counts)
    assert figures.n == n and figures.counts == counts and figures.noise == noise
    assert figures.too_few == (n < stats.MIN_SAMPLE)
    if n == 0:
        assert figures.rate is None and figures.mean is None and figures.distribution == [0.0] * 5
        return
    assert 0.0 <= figures.rate <= 1.0 and figures.satisfied == counts[3] + counts[4]
    assert 0.0 <= figures.low <= figures.rate + EPS and figures.rate - EPS <= figures.high <= 1.0
    assert 1.0 <= figures.mean <= 5.0
    assert all(0.0 <= share <= 1.0 for share in figures.distribution)
    assert math.isclose(sum(figures.distribution), 1.0)


@given(st.one_of(st.none(), rates), st.one_of(st.none(), rates))
def test_growth_has_the_sign_of_the_change(current, base):
    change = stats.growth(current, base)
    if current is None or base is None:
        assert (change.points, change.relative, change.direction) == (None, None, 0)
        return
    expected = (current > base) - (current < base)
    assert change.direction == (expected if abs(current - base) * 100 >= EPS else 0)
    assert math.isclose(change.points, (current - base) * 100)
    if base == 0:
        assert change.relative is None
    else:
        assert (change.relative > 0) == (current > base) and (change.relative < 0) == (current < base)


@given(rates, st.integers(min_value=0, max_value=100_000), rates)
def test_funnel_limits_are_nested_in_0_1_and_the_position_agrees_with_them(city_rate, n, rate):
    limits = stats.funnel_limits(city_rate, n)
    lo95, hi95 = limits["95"]
    lo998, hi998 = limits["99.8"]
    assert 0.0 <= lo998 <= lo95 <= hi95 <= hi998 <= 1.0
    position = stats.funnel_position(rate, n, city_rate)
    assert position == "within" or not lo95 <= rate <= hi95
    assert position.endswith("998") == (not lo998 <= rate <= hi998)


@given(
    st.dictionaries(
        st.text(alphabet="abcdefgh等候態度", min_size=1, max_size=6),
        st.integers(min_value=0, max_value=1000),
        max_size=12,
    )
)
def test_pareto_shares_add_up_and_the_cumulative_share_rises_to_one(counts):
    rows = stats.pareto(counts)
    assert sorted(r[0] for r in rows) == sorted(counts)
    assert [r[1] for r in rows] == sorted(counts.values(), reverse=True)
    assert all(0.0 <= share <= 1.0 and 0.0 <= cumulative <= 1.0 + EPS for _, _, share, cumulative in rows)
    cumulative = [r[3] for r in rows]
    assert cumulative == sorted(cumulative)
    if sum(counts.values()):
        assert math.isclose(cumulative[-1], 1.0) and math.isclose(sum(r[2] for r in rows), 1.0)


@given(
    st.dictionaries(
        st.tuples(st.integers(min_value=0, max_value=6), st.integers(min_value=0, max_value=23)),
        st.builds(ScoreCounts, score_lists, st.integers(min_value=0, max_value=5)),
        max_size=30,
    )
)
def test_heatmap_cells_are_rates_in_0_1_or_empty(cells):
    grid = stats.heatmap(cells)
    assert len(grid) == 7 and all(len(row) == 12 for row in grid)
    for weekday, row in enumerate(grid):
        for column, value in enumerate(row):
            counts = cells.get((weekday, column + 7))
            assert (value is None) == (counts is None or counts.n == 0)
            assert value is None or 0.0 <= value <= 1.0


QUARTER = Period("quarter", 2025, 2)
QUARTER_MINUTES = int((QUARTER.end_utc - QUARTER.start_utc).total_seconds() // 60)
CITIZEN_CHANNELS = (Channel.KIOSK, Channel.COUNTER_QR, Channel.ONETIME_QR, Channel.LINK)

ratings = st.lists(
    st.fixed_dictionaries(
        {
            "office": st.sampled_from("ab"),
            "minute": st.integers(min_value=0, max_value=QUARTER_MINUTES - 1),
            "score": st.integers(min_value=1, max_value=5),
            "channel": st.sampled_from(CITIZEN_CHANNELS),
            "noise": st.booleans(),
            "sex": st.sampled_from([None, "female", "male"]),
        }
    ),
    max_size=25,
)


def empty_ratings() -> None:
    """Each generated example starts from no ratings and no roll-ups (the fixtures live across examples)."""
    for model in (Answer, *ROLLUPS, Rating):
        db.session.execute(sa.delete(model))
    db.session.commit()


def insert(org, rows) -> None:
    for row in rows:
        office = org.a if row["office"] == "a" else org.b
        tapped = QUARTER.start_utc + timedelta(minutes=row["minute"])
        make_rating(office, tapped, row["score"], channel=row["channel"], noise=row["noise"], sex=row["sex"])
    db.session.commit()


def total(groups: dict[tuple, ScoreCounts]) -> ScoreCounts:
    summed = ScoreCounts()
    for counts in groups.values():
        summed = summed.add(counts)
    return summed


@DB_SETTINGS
@given(folded=ratings, fresh=ratings)
def test_rating_counts_add_up_across_every_breakdown(org, folded, fresh):
    empty_ratings()
    insert(org, folded)
    refresh_rollups()
    insert(org, fresh)
    rows = folded + fresh
    expected = ScoreCounts(
        [sum(1 for r in rows if r["score"] == s and not r["noise"]) for s in range(1, 6)],
        sum(1 for r in rows if r["noise"]),
    )
    filters = Filters(office_ids=[org.a.id, org.b.id])
    lo, hi = QUARTER.ym_range
    assert total(score_counts(filters, lo, hi)) == expected
    for by in (("channel",), ("office_id",), ("counter_id",), ("ym",), ("weekday", "hour"), ("office_id", "channel")):
        groups = score_counts(filters, lo, hi, by)
        assert total(groups) == expected, by
    by_channel = score_counts(filters, lo, hi, ("channel",))
    for channel in CITIZEN_CHANNELS:
        one = score_counts(Filters(office_ids=filters.office_ids, channels=(channel,)), lo, hi)
        assert total(one) == by_channel.get((channel,), ScoreCounts())
    by_office = score_counts(filters, lo, hi, ("office_id",))
    for office in (org.a, org.b):
        assert total(score_counts(Filters(office_ids=[office.id]), lo, hi)) == by_office.get(
            (office.id,), ScoreCounts()
        )
    assert total(demographic_counts(filters, lo, hi, ("sex",))) == expected
    figures = stats.satisfaction(expected)
    assert figures.rate is None or 0.0 <= figures.rate <= 1.0


cases = st.lists(
    st.fixed_dictionaries(
        {
            "office": st.sampled_from("ab"),
            "received_day": st.integers(min_value=0, max_value=85),
            "channel": st.sampled_from(["email", "counter", "phone", "1999"]),
            "close_after": st.one_of(st.none(), st.integers(min_value=0, max_value=20)),
            "reply_score": st.one_of(st.none(), st.integers(min_value=1, max_value=5)),
        }
    ),
    max_size=12,
)


@DB_SETTINGS
@given(rows=cases)
def test_case_indicators_breakdowns_add_up_to_the_period_and_rates_stay_in_0_1(org, rows):
    for model in (CaseEvent, CaseCycle, Case):
        db.session.execute(sa.delete(model))
    db.session.commit()
    start = datetime(2025, 4, 1, 9, tzinfo=TAIPEI).astimezone(UTC)
    for row in rows:
        received = start + timedelta(days=row["received_day"])
        closed = received + timedelta(days=row["close_after"]) if row["close_after"] is not None else None
        make_case(
            org.a if row["office"] == "a" else org.b,
            received,
            received + timedelta(days=7),
            closed_at=closed,
            state="closed" if closed else "in_progress",
            channel=row["channel"],
            reply_score=row["reply_score"] if closed else None,
            reply_rated_at=closed + timedelta(hours=1) if closed and row["reply_score"] else None,
        )
    db.session.commit()
    figures = case_indicators(scope_of(org.tpe), QUARTER, now=datetime(2025, 8, 1, tzinfo=UTC))
    current = figures["current"]
    for name in ("channel", "unit"):
        rows_of = [block for _, block in figures["breakdowns"][name]]
        for key in ("received", "closed", "on_time", "extended", "rehandled", "due", "reply_on_time", "replied"):
            assert sum(block[key] for block in rows_of) == current[key], (name, key)
        assert sum(block["reply"].n for block in rows_of) == current["reply"].n
    assert current["on_time"] <= current["closed"] and current["reply_on_time"] <= current["due"]
    for _, block in [("current", current), *figures["trend"]]:
        for key in ("on_time_rate", "extension_rate", "rehandling_rate", "reply_on_time_rate"):
            assert block[key] is None or 0.0 <= block[key] <= 1.0
        low, high = block["on_time_interval"]
        assert low is None or 0.0 <= low <= block["on_time_rate"] + EPS <= high + 2 * EPS <= 1.0 + 2 * EPS
        assert block["reply"].rate is None or 0.0 <= block["reply"].rate <= 1.0
    change = figures["on_time_vs_previous"]
    assert change.direction in (-1, 0, 1)
