"""Roll-ups kept current: fold new ratings in, and read counts that always equal a direct count.

A reader sums the roll-ups and, in the same SQL statement (one snapshot), the ratings not yet folded in
(`rolled_up` false). `refresh_rollups()` claims unfolded ratings with an UPDATE … WHERE rolled_up = false
RETURNING id (on PostgreSQL also FOR UPDATE SKIP LOCKED), so two refreshes at once never fold a rating twice,
and adds their counts with an upsert in the same transaction as the claim.
"""

from collections import Counter as Tally
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Answer, DemographicRollup, Question, Rating, ReasonRollup, ScoreRollup
from .calendar import TAIPEI
from .stats import ScoreCounts

SCORES = (1, 2, 3, 4, 5)
SCORE_DIMS = ("ym", "office_id", "unit_id", "counter_id", "channel", "question_id", "weekday", "hour")
REASON_DIMS = ("ym", "office_id", "unit_id", "counter_id", "channel", "reason")
DEMO_DIMS = ("ym", "office_id", "unit_id", "counter_id", "channel", "sex", "age_group")


@dataclass
class Filters:
    """What to count: offices (always set, from the reader's scope), optional unit, counter, questions, channels."""

    office_ids: list[int]
    unit_id: int | None = None
    counter_id: int | None = None
    question_ids: list[int] | None = None
    channels: tuple[str, ...] = field(default_factory=tuple)


def _local_parts(column):
    """(year*100+month, weekday with Monday 0, hour) of an instant in Asia/Taipei, as SQL expressions."""
    if db.engine.dialect.name == "postgresql":
        local = sa.func.timezone(TAIPEI.key, column)
        ym = sa.cast(sa.extract("year", local) * 100 + sa.extract("month", local), sa.Integer)
        weekday = sa.cast(sa.extract("isodow", local) - 1, sa.Integer)
        hour = sa.cast(sa.extract("hour", local), sa.Integer)
        return ym, weekday, hour
    # SQLite keeps naive UTC; Asia/Taipei has been UTC+8 without daylight saving since 1979.
    local = sa.func.datetime(column, "+8 hours")
    ym = sa.cast(sa.func.strftime("%Y%m", local), sa.Integer)
    weekday = (sa.cast(sa.func.strftime("%w", local), sa.Integer) + 6) % 7
    hour = sa.cast(sa.func.strftime("%H", local), sa.Integer)
    return ym, weekday, hour


def _score_sums(score):
    return [sa.func.sum(sa.case((sa.and_(score == s, Rating.is_noise.is_(False)), 1), else_=0)) for s in SCORES]


def _noise_sum(condition=sa.true()):
    return sa.func.sum(sa.case((sa.and_(Rating.is_noise.is_(True), condition), 1), else_=0))


def _raw_score_select(where, dims):
    """Answers to scale questions of the given ratings, grouped by the roll-up dims."""
    ym, weekday, hour = _local_parts(Rating.tapped_at)
    exprs = {
        "ym": ym, "office_id": Rating.office_id, "unit_id": sa.func.coalesce(Rating.unit_id, 0),
        "counter_id": sa.func.coalesce(Rating.counter_id, 0), "channel": Rating.channel,
        "question_id": Answer.question_id, "weekday": weekday, "hour": hour,
    }
    cols = [exprs[d].label(d) for d in dims]
    return (
        sa.select(*cols, *[c.label(f"n{s}") for s, c in zip(SCORES, _score_sums(Answer.score), strict=True)],
                  _noise_sum().label("noise"))
        .select_from(Rating).join(Answer, Answer.rating_id == Rating.id)
        .where(Answer.score.is_not(None), *where)
        .group_by(*[exprs[d] for d in dims])
    )


def _raw_demo_select(where, dims):
    """Overall scores of the given ratings by sex and age group."""
    ym, _, _ = _local_parts(Rating.tapped_at)
    exprs = {
        "ym": ym, "office_id": Rating.office_id, "unit_id": sa.func.coalesce(Rating.unit_id, 0),
        "counter_id": sa.func.coalesce(Rating.counter_id, 0), "channel": Rating.channel,
        "sex": sa.func.coalesce(Rating.sex, ""), "age_group": sa.func.coalesce(Rating.age_group, ""),
    }
    cols = [exprs[d].label(d) for d in dims]
    return (
        sa.select(*cols, *[c.label(f"n{s}") for s, c in zip(SCORES, _score_sums(Rating.score), strict=True)],
                  _noise_sum().label("noise"))
        .where(Rating.score.is_not(None), *where)
        .group_by(*[exprs[d] for d in dims])
    )


def _raw_filters(filters: Filters, start, end) -> list:
    where = [Rating.rolled_up.is_(False), Rating.office_id.in_(filters.office_ids),
             Rating.tapped_at >= start, Rating.tapped_at < end]
    if filters.unit_id:
        where.append(Rating.unit_id == filters.unit_id)
    if filters.counter_id:
        where.append(Rating.counter_id == filters.counter_id)
    if filters.channels:
        where.append(Rating.channel.in_(filters.channels))
    return where


def _rollup_filters(model, filters: Filters, ym_from: int, ym_to: int) -> list:
    where = [model.office_id.in_(filters.office_ids), model.ym >= ym_from, model.ym <= ym_to]
    if filters.unit_id:
        where.append(model.unit_id == filters.unit_id)
    if filters.counter_id:
        where.append(model.counter_id == filters.counter_id)
    if filters.channels:
        where.append(model.channel.in_(filters.channels))
    return where


def _bounds(ym_from: int, ym_to: int):
    from .stats import Period

    first = Period("month", ym_from // 100, ym_from % 100)
    last = Period("month", ym_to // 100, ym_to % 100)
    return first.start_utc, last.end_utc


def score_counts(filters: Filters, ym_from: int, ym_to: int, by: tuple[str, ...] = ()) -> dict[tuple, ScoreCounts]:
    """Answer counts per score over local months ym_from..ym_to, grouped by the given dims."""
    start, end = _bounds(ym_from, ym_to)
    raw_where = _raw_filters(filters, start, end)
    roll_where = _rollup_filters(ScoreRollup, filters, ym_from, ym_to)
    if filters.question_ids is not None:
        raw_where.append(Answer.question_id.in_(filters.question_ids))
        roll_where.append(ScoreRollup.question_id.in_(filters.question_ids))
    rolled = sa.select(*[getattr(ScoreRollup, d).label(d) for d in by],
                       *[sa.func.sum(getattr(ScoreRollup, f"n{s}")).label(f"n{s}") for s in SCORES],
                       sa.func.sum(ScoreRollup.noise).label("noise")).where(*roll_where)
    if by:
        rolled = rolled.group_by(*[getattr(ScoreRollup, d) for d in by])
    return _combine(rolled, _raw_score_select(raw_where, by), by)


def demographic_counts(filters: Filters, ym_from: int, ym_to: int,
                       by: tuple[str, ...] = ("sex", "age_group")) -> dict[tuple, ScoreCounts]:
    """Overall-score counts by sex and age group over local months ym_from..ym_to."""
    start, end = _bounds(ym_from, ym_to)
    rolled = (sa.select(*[getattr(DemographicRollup, d).label(d) for d in by],
                        *[sa.func.sum(getattr(DemographicRollup, f"n{s}")).label(f"n{s}") for s in SCORES],
                        sa.func.sum(DemographicRollup.noise).label("noise"))
              .where(*_rollup_filters(DemographicRollup, filters, ym_from, ym_to))
              .group_by(*[getattr(DemographicRollup, d) for d in by]))
    return _combine(rolled, _raw_demo_select(_raw_filters(filters, start, end), by), by)


def _combine(rolled, raw, by) -> dict[tuple, ScoreCounts]:
    union = sa.union_all(rolled, raw).subquery()
    cols = [union.c[d] for d in by]
    stmt = sa.select(*cols, *[sa.func.sum(union.c[f"n{s}"]) for s in SCORES], sa.func.sum(union.c.noise))
    if by:
        stmt = stmt.group_by(*cols)
    result = {}
    for row in db.session.execute(stmt):
        key = tuple(row[: len(by)])
        values = [int(v or 0) for v in row[len(by):]]
        if any(values):
            result[key] = ScoreCounts(values[:5], values[5])
    return result


def _reason_rows(where):
    """(rating fields…, choices) of reason answers of the given ratings."""
    return db.session.execute(
        sa.select(Rating.tapped_at, Rating.office_id, sa.func.coalesce(Rating.unit_id, 0),
                  sa.func.coalesce(Rating.counter_id, 0), Rating.channel, Rating.is_noise, Answer.choices)
        .join(Answer, Answer.rating_id == Rating.id).join(Question, Question.id == Answer.question_id)
        .where(Question.role == "reason", *where)
    )


def _tally_reasons(rows) -> Tally:
    """Count each chosen reason per roll-up key, keeping noise apart."""
    tally: Tally = Tally()
    for tapped_at, office_id, unit_id, counter_id, channel, is_noise, choices in rows:
        local = tapped_at.astimezone(TAIPEI)
        for reason in choices or []:
            key = (local.year * 100 + local.month, office_id, unit_id, counter_id, channel, str(reason)[:32])
            tally[key + (bool(is_noise),)] += 1
    return tally


def reason_counts(filters: Filters, ym_from: int, ym_to: int) -> tuple[dict[str, int], int]:
    """Dissatisfaction reasons chosen over local months ym_from..ym_to, and how many came from noise ratings."""
    start, end = _bounds(ym_from, ym_to)
    counts: Tally = Tally()
    noise = 0
    for reason, n, nz in db.session.execute(
        sa.select(ReasonRollup.reason, sa.func.sum(ReasonRollup.n), sa.func.sum(ReasonRollup.noise))
        .where(*_rollup_filters(ReasonRollup, filters, ym_from, ym_to)).group_by(ReasonRollup.reason)
    ):
        counts[reason] += int(n or 0)
        noise += int(nz or 0)
    for key, n in _tally_reasons(_reason_rows(_raw_filters(filters, start, end))).items():
        if key[-1]:
            noise += n
        else:
            counts[key[-2]] += n
    return {k: v for k, v in counts.items() if v}, noise


def _upsert(model, rows: list[dict], keys: tuple[str, ...], sums: tuple[str, ...]) -> None:
    if not rows:
        return
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    for start in range(0, len(rows), 2000):
        stmt = dialect.insert(model).values(rows[start:start + 2000])
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={s: getattr(model, s) + getattr(stmt.excluded, s) for s in sums},
        )
        db.session.execute(stmt)


def _claim(batch: int) -> list[int]:
    """Mark up to `batch` unfolded ratings as folded and return their ids; none is claimed twice."""
    pending = sa.select(Rating.id).where(Rating.rolled_up.is_(False)).order_by(Rating.id).limit(batch)
    if db.engine.dialect.name == "postgresql":
        pending = pending.with_for_update(skip_locked=True)
    stmt = (sa.update(Rating).where(Rating.id.in_(pending.scalar_subquery()), Rating.rolled_up.is_(False))
            .values(rolled_up=True).returning(Rating.id))
    return list(db.session.scalars(stmt))


def _id_filter(ids: list[int]):
    if db.engine.dialect.name == "postgresql":
        return Rating.id == sa.any_(sa.bindparam("claimed", ids, type_=postgresql.ARRAY(sa.BigInteger)))
    return Rating.id.in_(ids)


def refresh_rollups(batch: int = 5000) -> int:
    """Fold every unfolded rating into the roll-ups, one committed batch at a time; returns how many were folded.

    Idempotent and safe to run twice at once: each batch claims its ratings and adds their counts atomically.
    """
    folded = 0
    while True:
        ids = _claim(batch)
        if not ids:
            db.session.commit()
            return folded
        where = [_id_filter(ids)]
        sums = tuple(f"n{s}" for s in SCORES) + ("noise",)
        rows = [dict(r._mapping) for r in db.session.execute(_raw_score_select(where, SCORE_DIMS))]
        _upsert(ScoreRollup, rows, ("office_id",) + tuple(d for d in SCORE_DIMS if d != "office_id"), sums)
        rows = [dict(r._mapping) for r in db.session.execute(_raw_demo_select(where, DEMO_DIMS))]
        _upsert(DemographicRollup, rows, ("office_id",) + tuple(d for d in DEMO_DIMS if d != "office_id"), sums)
        merged: dict[tuple, dict] = {}
        for key, n in _tally_reasons(_reason_rows(where)).items():
            row = merged.setdefault(key[:-1], dict(zip(REASON_DIMS, key[:-1], strict=True), n=0, noise=0))
            row["noise" if key[-1] else "n"] += n
        _upsert(ReasonRollup, list(merged.values()),
                ("office_id",) + tuple(d for d in REASON_DIMS if d != "office_id"), ("n", "noise"))
        db.session.commit()
        folded += len(ids)
