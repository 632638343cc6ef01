"""What each chart says in words: the table a chart is read from, and its main finding in one line (alt text).

Every chart has a table holding its figures (the heat map's is made here, as the dashboard had none); a reader who
cannot see the image reads the finding, then the table it links to.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..labels import score_labels
from . import stats
from .analytics import Dashboard
from .headline import citizen_satisfaction
from .reports import Cell, Table, pct, points

# The table each chart is read from, by chart name.
CHART_TABLES = {
    "trend": "trend",
    "distribution": "distribution",
    "heatmap": "heatmap",
    "funnel": "comparison",
    "pareto": "reasons",
    "cases": "cases_trend",
}
WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


def _hour(hour: int) -> str:
    return _("%(hour)d:00", hour=hour)


def heatmap_table(board: Dashboard) -> Table:
    """The heat map's figures: satisfaction per weekday (rows) and hour (columns), blank where nobody answered."""
    answers = f"{board.heat_n:,}"
    table = Table(
        "heatmap",
        _("Satisfaction by weekday and hour"),
        [_("Weekday")] + [_hour(h) for h in board.heat_hours],
        note=_(
            "Satisfaction of the answers given in each hour, in Asia/Taipei; — where nobody answered. "
            "Valid answers in all: %(n)s. %(span)s",
            n=answers,
            span=board.footnote,
        ),
    )
    if board.heat_n:
        for day, row in zip(WEEKDAYS, board.heatmap, strict=True):
            table.rows.append([Cell(str(day), str(day))] + [pct(rate, 0) for rate in row])
    return table


def _trend(board: Dashboard) -> str:
    combined = citizen_satisfaction(board.lines)
    if combined is None or combined[0].rate is None:
        return _("No valid answers in %(period)s.", period=board.period.label)
    current, previous, _last = combined
    change = points(stats.growth(current.rate, previous.rate))
    answers = f"{current.n:,}"
    return _(
        "Satisfaction %(rate)s in %(period)s over %(n)s valid answers, %(change)s on the previous period.",
        rate=pct(current.rate).text,
        period=board.period.label,
        n=answers,
        change=change.text,
    )


def _distribution(board: Dashboard) -> str:
    combined = citizen_satisfaction(board.lines)
    if combined is None or not combined[0].n:
        return _("No valid answers in %(period)s.", period=board.period.label)
    current = combined[0]
    top = max(range(5), key=lambda i: (current.distribution[i], i))
    return _(
        "%(share)s of valid answers are Satisfied or Very satisfied; the most given score is %(score)s "
        "(%(score_share)s).",
        share=pct(current.rate).text,
        score=score_labels()[top],
        score_share=pct(current.distribution[top]).text,
    )


def _heatmap(board: Dashboard) -> str:
    slots = [
        (rate, d, h)
        for d, row in enumerate(board.heatmap)
        for h, rate in zip(board.heat_hours, row, strict=True)
        if rate is not None
    ]
    if not slots:
        return _("No valid answers in %(period)s.", period=board.period.label)
    low, high = min(slots), max(slots)
    low_slot, high_slot = f"{WEEKDAYS[low[1]]} {_hour(low[2])}", f"{WEEKDAYS[high[1]]} {_hour(high[2])}"
    return _(
        "Least satisfied on %(low)s (%(low_rate)s), most on %(high)s (%(high_rate)s).",
        low=low_slot,
        low_rate=pct(low[0], 0).text,
        high=high_slot,
        high_rate=pct(high[0], 0).text,
    )


def _funnel(board: Dashboard) -> str:
    if not board.funnel:
        return _("Nothing to compare in %(period)s.", period=board.period.label)
    below = [p["name"] for p in board.funnel if p["position"].startswith("below")]
    above = [p["name"] for p in board.funnel if p["position"].startswith("above")]
    names = f" ({'、'.join(below[:3])}{'…' if len(below) > 3 else ''})" if below else ""
    return _(
        "Of %(n)d compared, %(below)d below the 95%% limits around the city rate %(rate)s%(names)s and %(above)d "
        "above.",
        n=len(board.funnel),
        below=len(below),
        rate=pct(board.funnel_rate).text,
        names=names,
        above=len(above),
    )


def _pareto(board: Dashboard) -> str:
    if not board.pareto:
        return _("No dissatisfaction reason chosen in %(period)s.", period=board.period.label)
    reason, count, share, _cumulative = board.pareto[0]
    times = f"{count:,}"
    return _(
        "Most chosen reason: %(reason)s, %(count)s times (%(share)s of all reasons chosen).",
        reason=board.reason_labels.get(reason, reason),
        count=times,
        share=pct(share).text,
    )


def _cases(board: Dashboard) -> str:
    current = board.cases["current"]
    received, closed = f"{current['received']:,}", f"{current['closed']:,}"
    return _(
        "%(received)s cases received and %(closed)s closed in %(period)s; on-time closure rate %(rate)s.",
        received=received,
        closed=closed,
        period=board.period.label,
        rate=pct(current["on_time_rate"]).text,
    )


FINDINGS = {
    "trend": _trend,
    "distribution": _distribution,
    "heatmap": _heatmap,
    "funnel": _funnel,
    "pareto": _pareto,
    "cases": _cases,
}


def findings(board: Dashboard, names) -> dict[str, str]:
    """Each named chart's main finding in one line, for its alt text and caption."""
    return {name: FINDINGS[name](board) for name in names if name in FINDINGS}
