"""The manager's figures: satisfaction (服務滿意) and responses to citizens (意見回應) for a scope and period.

`dashboard()` gathers every indicator the pages, charts and reports show; each figure carries the
period it covers. Office scoping comes from services/access.py; counting from services/rollups.py;
arithmetic from services/stats.py.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Alert,
    Case,
    CaseCategory,
    CaseState,
    Channel,
    City,
    Counter,
    Office,
    Question,
    QuestionnaireVersion,
    RehandlingTask,
    Unit,
    User,
    utcnow,
)
from . import reply_figures, stats
from .access import can_access_office, visible_office_ids
from .errors import AccessDenied, ValidationFailed
from .rollups import Filters, demographic_counts, reason_counts, score_counts
from .stats import Period, ScoreCounts

# Channel groups shown apart unless the reader combines them; staff answers are 內部顧客 and never mixed in.
CHANNEL_GROUPS = {
    "kiosk": (Channel.KIOSK,),
    "qr": (Channel.COUNTER_QR, Channel.ONETIME_QR, Channel.LINK),
}
CITIZEN_CHANNELS = CHANNEL_GROUPS["kiosk"] + CHANNEL_GROUPS["qr"]
# What a reader may ask for: the groups apart, combined, or one group alone.
CHANNEL_CHOICES = ("separate", "combined", *CHANNEL_GROUPS)
# What an office is compared with: offices of its own kind (戶政事務所 with 戶政事務所) by default, or the whole city.
COMPARE_CHOICES = ("kind", "city")
TREND_STEPS = {"month": 13, "quarter": 8, "year": 5}


@dataclass
class Scope:
    """Whose figures: one office, or every office of a city."""

    city: City
    office: Office | None
    office_ids: list[int]

    @property
    def name(self) -> str:
        return self.office.name if self.office else self.city.name

    @property
    def code(self) -> str:
        return self.office.code if self.office else self.city.code


def scope_for(user: User, office_id: int | None = None) -> Scope:
    """The scope a reader asked for, refused when it lies outside their offices."""
    city = db.session.get(City, user.city_id)
    if office_id is None:
        if user.office_id is not None:
            office_id = user.office_id
        else:
            return Scope(city, None, visible_office_ids(user))
    if not can_access_office(user, office_id):
        raise AccessDenied()
    return Scope(city, db.session.get(Office, office_id), [office_id])


def scope_of(office_or_city: Office | City) -> Scope:
    """A scope for jobs and reports that act for a whole office or city."""
    if isinstance(office_or_city, Office):
        return Scope(office_or_city.city, office_or_city, [office_or_city.id])
    ids = list(db.session.scalars(sa.select(Office.id).where(Office.city_id == office_or_city.id)))
    return Scope(office_or_city, None, ids)


# Nothing is older; from 2000 the comparisons (at most five years back) stay within the calendars.
FIRST_YEAR = 2000


def readable_period(text: str | None, now: datetime | None = None) -> Period:
    """The period a reader asked for ("2025-03", "2025-Q3" or "2025"; the current quarter when empty), from
    FIRST_YEAR up to the current one."""
    now = now or utcnow()
    if not text:
        return Period.containing(now)
    try:
        period = Period.parse(text)
    except ValueError:
        raise ValidationFailed(
            details={"period": str(_l("Write a period as 115年第3季, 115年10月, 115年, or 2026-Q3, 2026-10, 2026."))}
        ) from None
    if period.year < FIRST_YEAR or period.start_utc > now:
        raise ValidationFailed(
            details={"period": str(_l("Choose a period from %(year)d up to the current one.", year=FIRST_YEAR))}
        )
    return period


@dataclass
class Selection:
    """The reader's filters beyond scope and period."""

    unit_id: int | None = None
    counter_id: int | None = None
    questionnaire_id: int | None = None
    service_id: int | None = None  # questionnaires made for this service (業務別)
    question: str = "overall"
    channel: str = "separate"  # "separate" | "combined" | "kiosk" | "qr"
    compare: str = "kind"  # the funnel's reference: "kind" (offices of the same kind, 金城) | "city" (pooled)


@dataclass
class SatisfactionLine:
    """One channel group's satisfaction for the period, against the previous period and last year."""

    key: str
    current: stats.Satisfaction
    previous: stats.Satisfaction
    last_year: stats.Satisfaction
    vs_previous: stats.Growth
    vs_last_year: stats.Growth
    trend: list[tuple[Period, stats.Satisfaction]]


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    selection: Selection
    generated_at: datetime
    lines: list[SatisfactionLine] = field(default_factory=list)
    heatmap: list[list[float | None]] = field(default_factory=list)
    heat_hours: range = range(7, 19)
    heat_n: int = 0
    funnel: list[dict] = field(default_factory=list)
    funnel_rate: float | None = None
    # The funnel's reference groups: [{"kind": "household" | "district" | None (the whole city), "rate", "n"}].
    funnel_groups: list[dict] = field(default_factory=list)
    pareto: list[tuple[str, int, float, float]] = field(default_factory=list)
    reason_noise: int = 0
    reason_labels: dict = field(default_factory=dict)
    demographics: list[dict] = field(default_factory=list)
    staff: stats.Satisfaction | None = None
    staff_previous: stats.Satisfaction | None = None
    alerts: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)

    @property
    def footnote(self) -> str:
        return f"{self.scope.name} · {self.period.label} ({self.period.span_text})"


def _question_ids(city: City, selection: Selection, kinds: tuple[str, ...] | None = None) -> list[int]:
    from ..models import Questionnaire

    stmt = (
        sa.select(Question.id)
        .join(QuestionnaireVersion, Question.version_id == QuestionnaireVersion.id)
        .join(Questionnaire, QuestionnaireVersion.questionnaire_id == Questionnaire.id)
        .where(
            Questionnaire.city_id == city.id, Question.kind == "scale5", Question.code == selection.question
        )
    )
    if selection.questionnaire_id:
        stmt = stmt.where(Questionnaire.id == selection.questionnaire_id)
    if selection.service_id:
        stmt = stmt.where(Questionnaire.service_id == selection.service_id)
    if kinds:
        stmt = stmt.where(Questionnaire.kind.in_(kinds))
    return list(db.session.scalars(stmt))


def _channel_lines(selection: Selection) -> list[tuple[str, tuple[str, ...]]]:
    if selection.channel == "combined":
        return [("combined", CITIZEN_CHANNELS)]
    if selection.channel in CHANNEL_GROUPS:
        return [(selection.channel, CHANNEL_GROUPS[selection.channel])]
    if selection.channel != "separate":
        raise ValidationFailed(details={"channel": "unknown channel"})
    return list(CHANNEL_GROUPS.items())


def _sum(cells: dict, predicate) -> ScoreCounts:
    total = ScoreCounts()
    for key, counts in cells.items():
        if predicate(key):
            total = total.add(counts)
    return total


def _in_period(period: Period):
    lo, hi = period.ym_range
    return lambda key: lo <= key[0] <= hi


def satisfaction_lines(scope: Scope, period: Period, selection: Selection | None = None) -> list[SatisfactionLine]:
    """The dashboard's satisfaction lines alone, for readers that need nothing else of it."""
    selection = selection or Selection()
    if not scope.office_ids:
        return []
    return _satisfaction_lines(_base_filters(scope, selection), period, _channel_lines(selection))


def _base_filters(scope: Scope, selection: Selection) -> Filters:
    return Filters(
        office_ids=scope.office_ids,
        unit_id=selection.unit_id,
        counter_id=selection.counter_id,
        question_ids=_question_ids(scope.city, selection),
    )


def _satisfaction_lines(
    base: Filters, period: Period, lines: list[tuple[str, tuple[str, ...]]]
) -> list[SatisfactionLine]:
    """Each channel group's satisfaction for the period, against the previous period and last year, and
    its trend."""
    channels = tuple(c for _, group in lines for c in group)
    trend = period.trailing(TREND_STEPS[period.kind])
    span_from, span_to = trend[0].ym_range[0], period.ym_range[1]
    last_year = period.same_last_year()
    span_from = min(span_from, last_year.ym_range[0])
    by_month = score_counts(
        Filters(**{**base.__dict__, "channels": channels}), span_from, span_to, ("ym", "channel")
    )
    result = []
    for key, group in lines:
        cells = {k: v for k, v in by_month.items() if k[1] in group}

        def sat(p: Period, cells=cells):
            return stats.satisfaction(_sum(cells, _in_period(p)))

        current, previous, before = sat(period), sat(period.previous()), sat(last_year)
        result.append(
            SatisfactionLine(
                key,
                current,
                previous,
                before,
                stats.growth(current.rate, previous.rate),
                stats.growth(current.rate, before.rate),
                [(p, sat(p)) for p in trend],
            )
        )
    return result


def dashboard(
    scope: Scope, period: Period, selection: Selection | None = None, now: datetime | None = None
) -> Dashboard:
    """Every indicator of the dashboard for one scope and period."""
    selection = selection or Selection()
    now = now or utcnow()
    board = Dashboard(scope, period, selection, now)
    if not scope.office_ids:
        return board
    base = _base_filters(scope, selection)
    lines = _channel_lines(selection)
    channels = tuple(c for _, group in lines for c in group)
    board.lines = _satisfaction_lines(base, period, lines)
    lo, hi = period.ym_range
    period_filters = Filters(**{**base.__dict__, "channels": channels})
    cells = score_counts(period_filters, lo, hi, ("weekday", "hour"))
    board.heatmap = stats.heatmap(cells, board.heat_hours)
    board.heat_n = sum(c.n for c in cells.values())
    _funnel(board, period_filters, lo, hi)
    reasons, board.reason_noise = reason_counts(
        Filters(**{**period_filters.__dict__, "question_ids": None}), lo, hi
    )
    board.pareto = stats.pareto(reasons)
    board.reason_labels = _reason_labels(scope.city)
    board.demographics = _demographics(period_filters, lo, hi)
    staff_filters = Filters(
        office_ids=scope.office_ids,
        unit_id=selection.unit_id,
        question_ids=_question_ids(scope.city, Selection(question="overall"), ("staff",)),
        channels=(Channel.STAFF,),
    )
    board.staff = stats.satisfaction(_sum(score_counts(staff_filters, lo, hi), lambda k: True))
    plo, phi = period.previous().ym_range
    board.staff_previous = stats.satisfaction(_sum(score_counts(staff_filters, plo, phi), lambda k: True))
    board.alerts = alert_summary(scope, period)
    board.cases = case_indicators(scope, period, selection.unit_id, now)
    return board


def _funnel(board: Dashboard, filters: Filters, lo: int, hi: int) -> None:
    """Offices of a city (or counters of an office) against a reference rate, with 95% and 99.8% limits.

    The reference is, by default, the pooled rate of the offices of the same kind (a 戶政事務所 is compared with
    戶政事務所, a 區公所 with 區公所); with compare="city", the pooled rate of every office of the city."""
    if board.selection.compare not in COMPARE_CHOICES:
        raise ValidationFailed(details={"compare": str(_l("Unknown comparison."))})
    kinds = dict(
        db.session.execute(sa.select(Office.id, Office.kind).where(Office.city_id == board.scope.city.id)).all()
    )
    by_kind = board.selection.compare == "kind"
    city = score_counts(
        Filters(**{**filters.__dict__, "office_ids": list(kinds), "unit_id": None, "counter_id": None}),
        lo, hi, ("office_id",))
    references: dict[str | None, ScoreCounts] = {}
    for (office_id,), counts in city.items():
        group = kinds.get(office_id) if by_kind else None
        references[group] = references.get(group, ScoreCounts()).add(counts)
    dim = "office_id" if board.scope.office is None else "counter_id"
    if dim == "office_id":
        names = {
            o.id: o.name
            for o in db.session.scalars(sa.select(Office).where(Office.id.in_(board.scope.office_ids)))
        }
    else:
        names = {
            c.id: c.name
            for c in db.session.scalars(sa.select(Counter).where(Counter.office_id == board.scope.office.id))
        }
    used: dict[str | None, dict] = {}
    for (ident,), counts in sorted(score_counts(filters, lo, hi, (dim,)).items()):
        if not counts.n:
            continue
        office_id = ident if dim == "office_id" else board.scope.office.id
        group = kinds.get(office_id) if by_kind else None
        reference = references.get(group)
        if reference is None or not reference.n:
            continue
        rate, reference_rate = counts.satisfied / counts.n, reference.satisfied / reference.n
        used.setdefault(group, {"kind": group, "rate": reference_rate, "n": reference.n})
        board.funnel.append(
            {
                "id": ident,
                "name": names.get(ident, "—"),
                "n": counts.n,
                "rate": rate,
                "kind": group,
                "reference": reference_rate,
                "position": stats.funnel_position(rate, counts.n, reference_rate),
                "too_few": counts.n < stats.MIN_SAMPLE,
            }
        )
    board.funnel_groups = sorted(used.values(), key=lambda g: str(g["kind"]))
    if len(board.funnel_groups) == 1:
        board.funnel_rate = board.funnel_groups[0]["rate"]
    elif not by_kind or not board.funnel_groups:
        total = _sum(city, lambda k: True)
        board.funnel_rate = total.satisfied / total.n if total.n else None


def question_labels(city: City) -> dict[str, str]:
    """{code: newest zh_TW wording} of the city's satisfaction questions (counter and kiosk), in code order."""
    from ..models import Questionnaire

    labels = {}
    for code, texts in db.session.execute(
        sa.select(Question.code, Question.texts)
        .join(QuestionnaireVersion, Question.version_id == QuestionnaireVersion.id)
        .join(Questionnaire)
        .where(
            Questionnaire.city_id == city.id,
            Question.kind == "scale5",
            Questionnaire.kind.in_(("counter", "kiosk")),
        )
        .order_by(QuestionnaireVersion.version.desc())  # the newest wording of a question wins
    ):
        labels.setdefault(code, (texts or {}).get("zh_TW") or code)
    return dict(sorted(labels.items()))


def _reason_labels(city: City) -> dict[str, str]:
    from ..models import Questionnaire

    labels = {}
    for options in db.session.scalars(
        sa.select(Question.options)
        .join(QuestionnaireVersion, Question.version_id == QuestionnaireVersion.id)
        .join(Questionnaire)
        .where(Questionnaire.city_id == city.id, Question.role == "reason")
        .order_by(QuestionnaireVersion.version.desc())  # the newest wording of a reason wins
    ):
        for option in options or []:
            labels.setdefault(option["code"], option.get("texts", {}).get("zh_TW", option["code"]))
    return labels


def _demographics(filters: Filters, lo: int, hi: int) -> list[dict]:
    cells = demographic_counts(Filters(**{**filters.__dict__, "question_ids": None}), lo, hi)
    rows = []
    for (sex, age), counts in sorted(cells.items()):
        rows.append({"sex": sex, "age_group": age, "sat": stats.satisfaction(counts)})
    return rows


def alert_summary(scope: Scope, period: Period) -> dict:
    """Real-time alerts of the period: how many, where, and how fast they were acknowledged."""
    alerts = list(
        db.session.scalars(
            sa.select(Alert).where(
                Alert.office_id.in_(scope.office_ids),
                Alert.triggered_at >= period.start_utc,
                Alert.triggered_at < period.end_utc,
            )
        )
    )
    minutes = [(a.acknowledged_at - a.triggered_at).total_seconds() / 60 for a in alerts if a.acknowledged_at]
    where: dict[str, int] = defaultdict(int)
    for alert in alerts:
        where[alert.counter.name if alert.counter else "—"] += 1
    offices = {
        o.id: o.name for o in db.session.scalars(sa.select(Office).where(Office.id.in_(scope.office_ids)))
    }
    by_office: dict[str, int] = defaultdict(int)
    for alert in alerts:
        by_office[offices.get(alert.office_id, "—")] += 1
    return {
        "count": len(alerts),
        "acknowledged": len(minutes),
        "unacknowledged": len(alerts) - len(minutes),
        "median_minutes": stats.median(minutes),
        "mean_minutes": stats.mean(minutes),
        "by_counter": sorted(where.items(), key=lambda kv: -kv[1]),
        "by_office": sorted(by_office.items(), key=lambda kv: -kv[1]),
    }


def _case_rows(scope: Scope, unit_id: int | None, start: datetime, end: datetime) -> list[Case]:
    """Cases received or whose reply was rated between start and end (their cycles are read apart)."""
    stmt = sa.select(Case).where(
        Case.office_id.in_(scope.office_ids),
        sa.or_(
            sa.and_(Case.received_at >= start, Case.received_at < end),
            sa.and_(Case.reply_rated_at >= start, Case.reply_rated_at < end),
        ),
    )
    if unit_id:
        stmt = stmt.where(Case.unit_id == unit_id)
    return list(db.session.scalars(stmt))


# Waiting for a reply: every open state but REPLIED (the reply meets the due date; closing is internal).
AWAITING_REPLY = tuple(s for s in CaseState.OPEN if s != CaseState.REPLIED)


def case_indicators(
    scope: Scope, period: Period, unit_id: int | None = None, now: datetime | None = None
) -> dict:
    """意見回應 indicators for the period, its breakdowns, monthly trend and the category × outcome review,
    counted from the handling cycles as they happened (services/reply_figures.py)."""
    now = now or utcnow()
    trend = period.trailing(TREND_STEPS[period.kind]) if period.kind != "month" else period.trailing(13)
    first = min(trend[0].start_utc, period.same_last_year().start_utc)
    cases = _case_rows(scope, unit_id, first, period.end_utc)
    cycles = reply_figures.cycle_rows(scope.office_ids, unit_id, first, period.end_utc)
    ids = [c.id for c in cases]
    rehandled = (
        set(db.session.scalars(sa.select(RehandlingTask.case_id).where(RehandlingTask.case_id.in_(ids))))
        if ids
        else set()
    )
    extended = reply_figures.extended_cycles(cycles)
    calendar = reply_figures.calendar_for(cycles, first, max(now, period.end_utc))

    def block(p: Period, subset=cases, cycle_subset=cycles):
        return reply_figures.case_block(subset, cycle_subset, p, now, calendar, extended, rehandled)

    current = block(period)
    previous, last_year = block(period.previous()), block(period.same_last_year())
    overdue_stmt = sa.select(sa.func.count(Case.id)).where(
        Case.office_id.in_(scope.office_ids), Case.state.in_(AWAITING_REPLY), Case.due_at < now
    )
    if unit_id:
        overdue_stmt = overdue_stmt.where(Case.unit_id == unit_id)
    categories = {
        c.id: c.names.get("zh_TW", c.code)
        for c in db.session.scalars(sa.select(CaseCategory).where(CaseCategory.city_id == scope.city.id))
    }
    several_offices = len(scope.office_ids) > 1
    units = {  # a city has a 戶籍登記課 in every office: name the office beside the unit
        u.id: f"{u.office.name} {u.name}" if several_offices else u.name
        for u in db.session.scalars(
            sa.select(Unit).where(Unit.office_id.in_(scope.office_ids)).options(so.joinedload(Unit.office)))
    }
    breakdowns = {}
    for name, attr, labels in (
        ("channel", "channel", None),
        ("category", "category_id", categories),
        ("unit", "unit_id", units),
    ):
        groups: dict = defaultdict(list)
        cycle_groups: dict = defaultdict(list)
        for c in cases:
            groups[getattr(c, attr)].append(c)
        for c in cycles:
            cycle_groups[getattr(c, attr)].append(c)
        rows = []
        for value in set(groups) | set(cycle_groups):
            figures = block(period, groups.get(value, []), cycle_groups.get(value, []))
            if figures["received"] or figures["closed"] or figures["due"] or figures["replied"] or figures["rated"]:
                label = labels.get(value, "—") if labels is not None else (value or "—")
                rows.append((label, figures))
        breakdowns[name] = sorted(rows, key=lambda r: (-r[1]["received"], str(r[0])))
    review: dict = defaultdict(lambda: defaultdict(int))
    for c in cycles:
        if c.closed_at is not None and period.start_utc <= c.closed_at < period.end_utc:
            review[categories.get(c.category_id, "—")][c.outcome or "—"] += 1
    return {
        "current": current,
        "previous": previous,
        "last_year": last_year,
        "reply_vs_previous": stats.growth(current["reply"].rate, previous["reply"].rate),
        "reply_vs_last_year": stats.growth(current["reply"].rate, last_year["reply"].rate),
        "reply_on_time_vs_previous": stats.growth(current["reply_on_time_rate"], previous["reply_on_time_rate"]),
        "reply_on_time_vs_last_year": stats.growth(current["reply_on_time_rate"], last_year["reply_on_time_rate"]),
        "on_time_vs_previous": stats.growth(current["on_time_rate"], previous["on_time_rate"]),
        "on_time_vs_last_year": stats.growth(current["on_time_rate"], last_year["on_time_rate"]),
        "open_overdue": db.session.scalar(overdue_stmt) or 0,
        "breakdowns": breakdowns,
        "trend": [(p, block(p)) for p in trend],
        "review": {cat: dict(outcomes) for cat, outcomes in sorted(review.items())},
    }
