"""The indicators a director reads first, defined once for the dashboard's headline row and the report's summary.

Satisfaction is read over every citizen channel together (the dashboard may show kiosk and QR apart): the
lines' counts are summed, so the headline figure is exactly what "combined" would show.
"""

from dataclasses import dataclass

from flask_babel import gettext as _

from . import stats
from .analytics import Dashboard, SatisfactionLine
from .reports import Cell, interval, num, pct, points
from .stats import ScoreCounts


@dataclass
class Headline:
    """One headline figure, its changes, the definition footnote it takes and the dashboard table that holds it."""

    key: str
    label: str
    value: Cell
    detail: str = ""
    previous: Cell | None = None
    last_year: Cell | None = None
    note: int | None = None
    anchor: str = ""
    too_few: bool = False


# What the dashboard's headline row shows, in reading order; the report's summary shows every headline figure.
DASHBOARD_ROW = ("satisfaction", "on_time", "open_overdue", "reply")


def _counts(s: stats.Satisfaction) -> ScoreCounts:
    return ScoreCounts(list(s.counts), s.noise)


def citizen_satisfaction(
    lines: list[SatisfactionLine],
) -> tuple[stats.Satisfaction, stats.Satisfaction, stats.Satisfaction] | None:
    """(current, previous period, same period last year) over every channel group the lines hold."""
    if not lines:
        return None
    totals = []
    for attr in ("current", "previous", "last_year"):
        total = ScoreCounts()
        for line in lines:
            total = total.add(_counts(getattr(line, attr)))
        totals.append(stats.satisfaction(total))
    return totals[0], totals[1], totals[2]


def headline(board: Dashboard) -> list[Headline]:
    """The headline figures of a dashboard, each with its change on the previous period and on a year ago."""
    rows = []
    combined = citizen_satisfaction(board.lines)
    if combined is not None:
        c, previous, last_year = combined
        rows.append(
            Headline(
                "satisfaction",
                _("Satisfaction"),
                pct(c.rate),
                f"{_('95% interval')} {interval(c.low, c.high).text}",
                points(stats.growth(c.rate, previous.rate)),
                points(stats.growth(c.rate, last_year.rate)),
                note=1,
                anchor="table-satisfaction",
                too_few=c.too_few,
            )
        )
        rows.append(Headline("answers", _("Valid answers"), num(c.n), anchor="table-satisfaction"))
        rows.append(Headline("mean", _("Mean score"), num(c.mean, 2), anchor="table-satisfaction"))
    cases = board.cases
    if cases:
        cur, prev, last = cases["current"], cases["previous"], cases["last_year"]
        rows.append(
            Headline(
                "on_time",
                _("On-time closure rate"),
                pct(cur["on_time_rate"]),
                previous=points(stats.growth(cur["on_time_rate"], prev["on_time_rate"])),
                last_year=points(stats.growth(cur["on_time_rate"], last["on_time_rate"])),
                note=2,
                anchor="table-cases",
            )
        )
        rows.append(
            Headline(
                "reply",
                _("Reply satisfaction"),
                pct(cur["reply"].rate),
                previous=points(cases["reply_vs_previous"]),
                last_year=points(cases["reply_vs_last_year"]),
                note=3,
                anchor="table-cases",
                too_few=cur["reply"].too_few,
            )
        )
        rows.append(Headline("received", _("Cases received"), num(cur["received"]), anchor="table-cases"))
        rows.append(
            Headline("open_overdue", _("Open and overdue now"), num(cases["open_overdue"]), anchor="table-cases")
        )
    if board.staff is not None and board.staff.n:
        rows.append(
            Headline(
                "staff",
                _("Staff satisfaction (internal customers)"),
                pct(board.staff.rate),
                previous=points(stats.growth(board.staff.rate, board.staff_previous.rate)),
                anchor="table-staff",
                too_few=board.staff.too_few,
            )
        )
    return rows


def dashboard_row(board: Dashboard) -> list[Headline]:
    """The few headline figures at the top of the dashboard."""
    by_key = {h.key: h for h in headline(board)}
    return [by_key[k] for k in DASHBOARD_ROW if k in by_key]
