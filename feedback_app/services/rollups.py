"""Roll-ups kept current: fold new ratings in, and read counts that always equal a direct count.

A reader sums the roll-ups and, in the same SQL statement (one snapshot), the ratings not yet folded in
(`rolled_up` false). `refresh_rollups()` claims unfolded ratings with an UPDATE … WHERE rolled_up = false
RETURNING id (on PostgreSQL also FOR UPDATE SKIP LOCKED), so two refreshes at once never fold a rating twice,
and adds their counts with an upsert in the same transaction as the claim. A folded rating that changes
afterwards is first taken back out with `unfold()`, in the transaction that changes it.
"""

from collections import Counter as Tally
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..extensions import db, upsert_insert
from ..models import Answer, DemographicRollup, HourRollup, MonthRollup, Question, Rating, ReasonRollup, ScoreRollup
from .calendar import TAIPEI
from .planner import refresh_planner_statistics
from .stats import ScoreCounts

SCORES = (1, 2, 3, 4, 5)
SCORE_DIMS = ("ym", "office_id", "unit_id", "counter_id", "channel", "question_id", "weekday", "hour")
HOUR_DIMS = ("ym", "office_id", "channel", "question_id", "weekday", "hour")
MONTH_DIMS = ("ym", "office_id", "unit_id", "counter_id", "channel", "question_id")
# Every scale roll-up and the dims it keeps.
SCALE_ROLLUPS = ((ScoreRollup, SCORE_DIMS), (HourRollup, HOUR_DIMS), (MonthRollup, MONTH_DIMS))
ROLLUPS = (ScoreRollup, HourRollup, MonthRollup, DemographicRollup, ReasonRollup)
REASON_DIMS = ("ym", "office_id", "unit_id", "counter_id", "channel", "reason")
DEMO_DIMS = ("ym", "office_id", "unit_id", "counter_id", "channel", "sex", "age_group")
# Written as "= false" (not "IS false") so it matches the partial index of unfolded ratings.
UNFOLDED = Rating.rolled_up == sa.false()


@dataclass
class Filters:
    """What to count: offices (always set, from the reader's scope), optional unit, counter,
    questions, channels.
    """

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


def _fresh(where):
    """The ratings to count, taken first (materialised) so their answers are then found by rating id."""
    return (
        sa.select(
            Rating.id,
            Rating.tapped_at,
            Rating.office_id,
            Rating.unit_id,
            Rating.counter_id,
            Rating.channel,
            Rating.is_noise,
            Rating.score,
            Rating.sex,
            Rating.age_group,
        )
        .where(*where)
        .cte("fresh")
        .prefix_with("MATERIALIZED")
    )


def _common_exprs(r) -> dict:
    ym, weekday, hour = _local_parts(r.c.tapped_at)
    return {
        "ym": ym,
        "weekday": weekday,
        "hour": hour,
        "office_id": r.c.office_id,
        "unit_id": sa.func.coalesce(r.c.unit_id, 0),
        "counter_id": sa.func.coalesce(r.c.counter_id, 0),
        "channel": r.c.channel,
    }


def _sums(r, score) -> list:
    valid = [
        sa.func.sum(sa.case((sa.and_(score == s, r.c.is_noise.is_(False)), 1), else_=0)).label(f"n{s}")
        for s in SCORES
    ]
    return valid + [sa.func.sum(sa.case((r.c.is_noise.is_(True), 1), else_=0)).label("noise")]


def _raw_score_select(where, dims, answer_where=()):
    """Answers to scale questions of the given ratings, grouped by the roll-up dims."""
    r = _fresh(where)
    exprs = _common_exprs(r) | {"question_id": Answer.question_id}
    return (
        sa.select(*[exprs[d].label(d) for d in dims], *_sums(r, Answer.score))
        .select_from(r)
        .join(Answer, Answer.rating_id == r.c.id)
        .where(Answer.score.is_not(None), *answer_where)
        .group_by(*[exprs[d] for d in dims])
    )


def _raw_demo_select(where, dims):
    """Overall scores of the given ratings by sex and age group."""
    r = _fresh(where)
    exprs = _common_exprs(r) | {
        "sex": sa.func.coalesce(r.c.sex, ""),
        "age_group": sa.func.coalesce(r.c.age_group, ""),
    }
    return (
        sa.select(*[exprs[d].label(d) for d in dims], *_sums(r, r.c.score))
        .select_from(r)
        .where(r.c.score.is_not(None))
        .group_by(*[exprs[d] for d in dims])
    )


def _raw_filters(filters: Filters, start, end) -> list:
    where = [
        UNFOLDED,
        Rating.office_id.in_(filters.office_ids),
        Rating.tapped_at >= start,
        Rating.tapped_at < end,
    ]
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


def score_counts(
    filters: Filters, ym_from: int, ym_to: int, by: tuple[str, ...] = (), *, unfolded: bool = True
) -> dict[tuple, ScoreCounts]:
    """Answer counts per score over local months ym_from..ym_to, grouped by the given dims.

    With unfolded=False only the roll-ups are read, never the ratings: the counts as of the last roll-up refresh,
    at a cost that does not grow with the ratings (what an anonymous reader gets)."""
    start, end = _bounds(ym_from, ym_to)
    # The hourly roll-ups only when the weekday or hour is asked for (the monthly one is ~45 times smaller),
    # and the per-counter one only when a unit or counter is.
    if not {"weekday", "hour"} & set(by):
        model = MonthRollup
    elif filters.unit_id or filters.counter_id or {"unit_id", "counter_id"} & set(by):
        model = ScoreRollup
    else:
        model = HourRollup
    roll_where = _rollup_filters(model, filters, ym_from, ym_to)
    answer_where = []
    if filters.question_ids is not None:
        answer_where.append(Answer.question_id.in_(filters.question_ids))
        roll_where.append(model.question_id.in_(filters.question_ids))
    rolled = sa.select(
        *[getattr(model, d).label(d) for d in by],
        *[sa.func.sum(getattr(model, f"n{s}")).label(f"n{s}") for s in SCORES],
        sa.func.sum(model.noise).label("noise"),
    ).where(*roll_where)
    if by:
        rolled = rolled.group_by(*[getattr(model, d) for d in by])
    if not unfolded:
        return _combine(rolled, None, by)
    return _combine(rolled, _raw_score_select(_raw_filters(filters, start, end), by, answer_where), by)


def demographic_counts(
    filters: Filters, ym_from: int, ym_to: int, by: tuple[str, ...] = ("sex", "age_group")
) -> dict[tuple, ScoreCounts]:
    """Overall-score counts by sex and age group over local months ym_from..ym_to."""
    start, end = _bounds(ym_from, ym_to)
    rolled = (
        sa.select(
            *[getattr(DemographicRollup, d).label(d) for d in by],
            *[sa.func.sum(getattr(DemographicRollup, f"n{s}")).label(f"n{s}") for s in SCORES],
            sa.func.sum(DemographicRollup.noise).label("noise"),
        )
        .where(*_rollup_filters(DemographicRollup, filters, ym_from, ym_to))
        .group_by(*[getattr(DemographicRollup, d) for d in by])
    )
    return _combine(rolled, _raw_demo_select(_raw_filters(filters, start, end), by), by)


def _combine(rolled, raw, by) -> dict[tuple, ScoreCounts]:
    union = (rolled if raw is None else sa.union_all(rolled, raw)).subquery()
    cols = [union.c[d] for d in by]
    stmt = sa.select(*cols, *[sa.func.sum(union.c[f"n{s}"]) for s in SCORES], sa.func.sum(union.c.noise))
    if by:
        stmt = stmt.group_by(*cols)
    result = {}
    for row in db.session.execute(stmt):
        key = tuple(row[: len(by)])
        values = [int(v or 0) for v in row[len(by) :]]
        if any(values):
            result[key] = ScoreCounts(values[:5], values[5])
    return result


def _reason_rows(where):
    """(rating fields…, choices) of reason answers of the given ratings."""
    r = _fresh(where)
    reason_questions = sa.select(Question.id).where(Question.role == "reason").scalar_subquery()
    return db.session.execute(
        sa.select(
            r.c.tapped_at,
            r.c.office_id,
            sa.func.coalesce(r.c.unit_id, 0),
            sa.func.coalesce(r.c.counter_id, 0),
            r.c.channel,
            r.c.is_noise,
            Answer.choices,
        )
        .select_from(r)
        .join(Answer, Answer.rating_id == r.c.id)
        .where(Answer.question_id.in_(reason_questions))
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
    """Dissatisfaction reasons chosen over local months ym_from..ym_to, and how many came from
    noise ratings."""
    start, end = _bounds(ym_from, ym_to)
    counts: Tally = Tally()
    noise = 0
    for reason, n, nz in db.session.execute(
        sa.select(ReasonRollup.reason, sa.func.sum(ReasonRollup.n), sa.func.sum(ReasonRollup.noise))
        .where(*_rollup_filters(ReasonRollup, filters, ym_from, ym_to))
        .group_by(ReasonRollup.reason)
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
    for start in range(0, len(rows), 2000):
        stmt = upsert_insert(model).values(rows[start : start + 2000])
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={s: getattr(model, s) + getattr(stmt.excluded, s) for s in sums},
        )
        db.session.execute(stmt)


def _upsert_select(model, select, keys: tuple[str, ...], sums: tuple[str, ...], sign: int) -> None:
    """Add (sign 1) or take away (sign -1) aggregated counts in the database itself:
    INSERT … SELECT … ON CONFLICT add."""
    sub = select.subquery()
    signed = [sub.c[k] for k in keys] + [(sub.c[s] * sign).label(s) for s in sums]
    # SQLite needs a WHERE in an upsert's SELECT to tell its ON CONFLICT from a join's ON.
    stmt = upsert_insert(model).from_select(list(keys) + list(sums), sa.select(*signed).where(sa.true()))
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={s: getattr(model, s) + getattr(stmt.excluded, s) for s in sums}
    )
    db.session.execute(stmt)


def _claim(batch: int) -> list[int]:
    """Mark up to `batch` unfolded ratings as folded and return their ids; none is claimed twice."""
    pending = sa.select(Rating.id).where(UNFOLDED).order_by(Rating.id).limit(batch)
    if db.engine.dialect.name == "postgresql":
        pending = pending.with_for_update(skip_locked=True)
    stmt = (
        sa.update(Rating)
        .where(Rating.id.in_(pending.scalar_subquery()), UNFOLDED)
        .values(rolled_up=True)
        .returning(Rating.id)
    )
    return list(db.session.scalars(stmt))


def _id_filter(ids: list[int]):
    if db.engine.dialect.name == "postgresql":
        return Rating.id == sa.any_(sa.bindparam("claimed", ids, type_=postgresql.ARRAY(sa.BigInteger)))
    return Rating.id.in_(ids)


def refresh_rollups(batch: int = 5000) -> int:
    """Fold every unfolded rating into the roll-ups, one committed batch at a time; returns how many
    were folded.

    Idempotent and safe to run twice at once: each batch claims its ratings and adds their counts atomically.
    """
    folded = 0
    while True:
        ids = _claim(batch)
        if not ids:
            db.session.commit()
            return folded
        _fold(ids, 1)
        db.session.commit()
        folded += len(ids)


def unfold(rating_ids: list[int]) -> None:
    """Take folded ratings back out of the roll-ups before they change (a stored tap found to be noise
    when an earlier one arrives late); the next refresh folds them again as they are then.

    Call it in the transaction that changes them, before the change: the counts taken away are the
    ratings' counts as they stand. The row lock of the update keeps two callers from taking one rating
    away twice."""
    if not rating_ids:
        return
    stmt = (
        sa.update(Rating)
        .where(Rating.id.in_(rating_ids), Rating.rolled_up == sa.true())
        .values(rolled_up=False)
        .returning(Rating.id)
    )
    ids = list(db.session.scalars(stmt))
    if ids:
        _fold(ids, -1)


def _fold(ids: list[int], sign: int) -> None:
    """Add (1) or take away (-1) the given ratings' counts in every roll-up."""
    where = [_id_filter(ids)]
    sums = tuple(f"n{s}" for s in SCORES) + ("noise",)
    for model, dims in SCALE_ROLLUPS:
        _upsert_select(model, _raw_score_select(where, dims), dims, sums, sign)
    _upsert_select(DemographicRollup, _raw_demo_select(where, DEMO_DIMS), DEMO_DIMS, sums, sign)
    merged: dict[tuple, dict] = {}
    for key, n in _tally_reasons(_reason_rows(where)).items():
        row = merged.setdefault(key[:-1], dict(zip(REASON_DIMS, key[:-1], strict=True), n=0, noise=0))
        row["noise" if key[-1] else "n"] += n * sign
    _upsert(ReasonRollup, list(merged.values()), REASON_DIMS, ("n", "noise"))


def rebuild_rollups() -> None:
    """Recompute every roll-up from the ratings marked folded (after a bulk load or a repair).

    The roll-ups are replaced in one transaction; run it while no `refresh_rollups()` is running.
    """
    for model in ROLLUPS:
        db.session.execute(sa.delete(model))
    where = [Rating.rolled_up == sa.true()]
    for model, dims in SCALE_ROLLUPS:
        score = _raw_score_select(where, dims).subquery()
        db.session.execute(
            sa.insert(model).from_select(list(dims) + [f"n{s}" for s in SCORES] + ["noise"], sa.select(score))
        )
    demo = _raw_demo_select(where, DEMO_DIMS).subquery()
    db.session.execute(
        sa.insert(DemographicRollup).from_select(
            list(DEMO_DIMS) + [f"n{s}" for s in SCORES] + ["noise"], sa.select(demo)
        )
    )
    rows: dict[tuple, dict] = {}
    for key, n in _tally_reasons(_reason_rows(where)).items():
        row = rows.setdefault(key[:-1], dict(zip(REASON_DIMS, key[:-1], strict=True), n=0, noise=0))
        row["noise" if key[-1] else "n"] += n
    if rows:
        db.session.execute(sa.insert(ReasonRollup), list(rows.values()))
    db.session.commit()
    refresh_planner_statistics(*ROLLUPS)
