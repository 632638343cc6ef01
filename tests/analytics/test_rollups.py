"""Roll-ups: dashboard figures always equal a direct count over the raw ratings, folded or not."""

import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Answer, Channel, Question, Rating, ReasonRollup, ScoreRollup
from feedback_app.services.analytics import CHANNEL_GROUPS, Selection, dashboard, scope_of
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.rollups import ROLLUPS, rebuild_rollups, refresh_rollups
from feedback_app.services.stats import Period

from .factories import make_rating

# Edges in Asia/Taipei: the last minutes of March (Q1) and the first of April (Q2), and of 1 March.
EDGES = [
    datetime(2025, 3, 31, 15, 30, tzinfo=UTC),  # 2025-03-31 23:30 +08:00
    datetime(2025, 3, 31, 15, 59, 59, tzinfo=UTC),
    datetime(2025, 3, 31, 16, 0, tzinfo=UTC),  # 2025-04-01 00:00 +08:00
    datetime(2025, 2, 28, 16, 30, tzinfo=UTC),  # 2025-03-01 00:30 +08:00
    datetime(2025, 2, 28, 15, 30, tzinfo=UTC),  # 2025-02-28 23:30 +08:00
]
REASONS = ["wait_long", "attitude", "unclear", "other"]


def _random_ratings(rng: random.Random, org, count: int) -> None:
    start = datetime(2025, 1, 20, tzinfo=UTC)
    offices = [org.a, org.b]
    for i in range(count):
        office = rng.choice(offices)
        tapped = EDGES[i] if i < len(EDGES) else start + timedelta(minutes=rng.randint(0, 150 * 24 * 60))
        score = rng.randint(1, 5)
        make_rating(
            office,
            tapped,
            score,
            counter=rng.choice(office.counters),
            channel=rng.choice([Channel.KIOSK, Channel.KIOSK, Channel.COUNTER_QR, Channel.ONETIME_QR]),
            noise=rng.random() < 0.1,
            reasons=rng.sample(REASONS, rng.randint(1, 2)) if score <= 2 else None,
            sex=rng.choice([None, "female", "male"]),
            age_group=rng.choice([None, "20_39", "65_plus"]),
        )
    db.session.commit()


def _raw(period: Period, channels, office_ids) -> list:
    """Overall answers of raw ratings in the period, straight from the ratings table."""
    return db.session.execute(
        sa.select(Rating.tapped_at, Rating.is_noise, Answer.score, Rating.office_id, Rating.sex)
        .join(Answer, Answer.rating_id == Rating.id)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Question.code == "overall",
            Rating.channel.in_(channels),
            Rating.office_id.in_(office_ids),
            Rating.tapped_at >= period.start_utc,
            Rating.tapped_at < period.end_utc,
        )
    ).all()


def _direct_counts(period, channels, office_ids):
    rows = _raw(period, channels, office_ids)
    counts = [sum(1 for r in rows if not r.is_noise and r.score == s) for s in range(1, 6)]
    return counts, sum(1 for r in rows if r.is_noise)


def _assert_board_matches_raw(org):
    office_ids = [org.a.id, org.b.id]
    for period in (
        Period("quarter", 2025, 1),
        Period("quarter", 2025, 2),
        Period("month", 2025, 3),
        Period("month", 2025, 4),
    ):
        board = dashboard(scope_of(org.tpe), period)
        for line in board.lines:
            counts, noise = _direct_counts(period, CHANNEL_GROUPS[line.key], office_ids)
            assert line.current.counts == counts, (period, line.key)
            assert line.current.noise == noise
            previous, _ = _direct_counts(period.previous(), CHANNEL_GROUPS[line.key], office_ids)
            assert line.previous.counts == previous
            for sub, sat in line.trend:
                assert sat.counts == _direct_counts(sub, CHANNEL_GROUPS[line.key], office_ids)[0]
        citizen = CHANNEL_GROUPS["kiosk"] + CHANNEL_GROUPS["qr"]
        rows = [r for r in _raw(period, citizen, office_ids) if not r.is_noise]
        assert board.heat_n == len(rows)
        cells = Counter(
            (r.tapped_at.astimezone(TAIPEI).weekday(), r.tapped_at.astimezone(TAIPEI).hour) for r in rows
        )
        for weekday, hour in cells:
            if hour in board.heat_hours:
                sat = sum(
                    1
                    for r in rows
                    if r.score >= 4
                    and (r.tapped_at.astimezone(TAIPEI).weekday(), r.tapped_at.astimezone(TAIPEI).hour)
                    == (weekday, hour)
                )
                assert (
                    abs(board.heatmap[weekday][hour - board.heat_hours.start] - sat / cells[(weekday, hour)])
                    < 1e-9
                )
        assert {p["id"]: p["n"] for p in board.funnel} == dict(Counter(r.office_id for r in rows))
        assert sum(d["sat"].n for d in board.demographics) == len(rows)
        assert sum(d["sat"].n for d in board.demographics if d["sex"] == "female") == sum(
            1 for r in rows if r.sex == "female"
        )
        reasons = Counter()
        for choices, noise in db.session.execute(
            sa.select(Answer.choices, Rating.is_noise)
            .join(Rating)
            .join(Question, Question.id == Answer.question_id)
            .where(
                Question.role == "reason",
                Rating.channel.in_(citizen),
                Rating.tapped_at >= period.start_utc,
                Rating.tapped_at < period.end_utc,
            )
        ):
            if not noise:
                reasons.update(choices)
        assert {r[0]: r[1] for r in board.pareto} == dict(reasons)


def test_figures_equal_direct_counts_before_during_and_after_folding_across_taipei_boundaries(org):
    rng = random.Random(20250331)
    _random_ratings(rng, org, 260)
    _assert_board_matches_raw(org)  # nothing folded yet
    assert refresh_rollups(batch=37) == 260
    _assert_board_matches_raw(org)  # everything folded
    _random_ratings(rng, org, 90)
    _assert_board_matches_raw(org)  # folded and unfolded side by side
    assert refresh_rollups() == 90
    assert refresh_rollups() == 0  # idempotent: a second run folds nothing
    _assert_board_matches_raw(org)


def test_the_edge_taps_land_in_their_taipei_month_and_quarter(org):
    make_rating(org.a, EDGES[0], 5)  # 23:30 on 31 March in Taipei
    make_rating(org.a, EDGES[2], 1)  # midnight on 1 April in Taipei
    db.session.commit()
    refresh_rollups()
    assert db.session.scalars(sa.select(ScoreRollup.ym).order_by(ScoreRollup.ym)).all() == [202503, 202504]
    q1 = dashboard(scope_of(org.a), Period("quarter", 2025, 1)).lines[0].current
    q2 = dashboard(scope_of(org.a), Period("quarter", 2025, 2)).lines[0].current
    assert (q1.counts, q2.counts) == ([0, 0, 0, 0, 1], [1, 0, 0, 0, 0])
    rollup = db.session.scalar(sa.select(ScoreRollup).where(ScoreRollup.ym == 202503))
    assert (rollup.weekday, rollup.hour) == (0, 23)  # a Monday, 23:00 local


def test_two_refreshes_at_once_fold_every_rating_exactly_once(app, org):
    rng = random.Random(7)
    _random_ratings(rng, org, 400)
    errors = []

    def run():
        with app.app_context():
            try:
                refresh_rollups(batch=25)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).where(Rating.rolled_up.is_(False))) == 0
    folded = db.session.scalar(
        sa.select(
            sa.func.sum(
                ScoreRollup.n1
                + ScoreRollup.n2
                + ScoreRollup.n3
                + ScoreRollup.n4
                + ScoreRollup.n5
                + ScoreRollup.noise
            )
        )
    )
    assert folded == db.session.scalar(sa.select(sa.func.count(Answer.id)).where(Answer.score.is_not(None)))
    reasons = db.session.scalar(sa.select(sa.func.sum(ReasonRollup.n + ReasonRollup.noise)))
    chosen = sum(
        len(c) for c in db.session.scalars(sa.select(Answer.choices).where(Answer.choices.is_not(None)))
    )
    assert reasons == chosen


def test_noise_is_kept_out_of_the_rate_but_counted(org):
    tap = datetime(2025, 5, 6, 2, 0, tzinfo=UTC)
    for score in (5, 5, 1):
        make_rating(org.a, tap, score)
    make_rating(org.a, tap, 1, noise=True)
    db.session.commit()
    line = dashboard(scope_of(org.a), Period("month", 2025, 5), Selection(channel="kiosk")).lines[0]
    assert line.current.n == 3 and line.current.noise == 1
    assert abs(line.current.rate - 2 / 3) < 1e-9


def test_kiosk_and_qr_stay_apart_unless_combined(org):
    tap = datetime(2025, 5, 6, 2, 0, tzinfo=UTC)
    make_rating(org.a, tap, 5)
    make_rating(org.a, tap, 1, channel=Channel.COUNTER_QR)
    make_rating(org.a, tap, 5, channel=Channel.STAFF, questionnaire="staff")
    db.session.commit()
    apart = dashboard(scope_of(org.a), Period("month", 2025, 5))
    assert {line.key: line.current.counts for line in apart.lines} == {
        "kiosk": [0, 0, 0, 0, 1],
        "qr": [1, 0, 0, 0, 0],
    }
    combined = dashboard(scope_of(org.a), Period("month", 2025, 5), Selection(channel="combined"))
    assert [line.current.counts for line in combined.lines] == [[1, 0, 0, 0, 1]]
    assert apart.staff.n == 1 and apart.staff.rate == 1.0  # 內部顧客 shown on its own


def test_a_rebuild_gives_the_same_roll_ups_as_folding_batch_by_batch(org):
    _random_ratings(random.Random(11), org, 120)
    refresh_rollups(batch=13)

    def snapshot():
        """Every roll-up's rows without their ids."""
        return {
            model.__tablename__: sorted(
                tuple(row)
                for row in db.session.execute(sa.select(*[c for c in model.__table__.c if c.name != "id"]))
            )
            for model in ROLLUPS
        }

    before = snapshot()
    assert all(before.values())
    rebuild_rollups()
    assert snapshot() == before


def test_the_refresh_command_folds_new_ratings_once(runner, org):
    make_rating(org.a, datetime(2025, 5, 6, 2, tzinfo=UTC), 4)
    db.session.commit()
    assert "Folded 1 ratings" in runner.invoke(args=["analytics", "refresh"]).output
    assert "Folded 0 ratings" in runner.invoke(args=["analytics", "refresh"]).output
    assert "rebuilt" in runner.invoke(args=["analytics", "rebuild"]).output
    assert db.session.scalar(sa.select(sa.func.sum(ScoreRollup.n4))) == 1
