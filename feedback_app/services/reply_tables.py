"""The 意見回應 tables of the dashboard and reports: the on-time reply rate first, the closure figures beside it,
each rate marked when too few cases or ratings stand behind it, each change shown relative and in points.

Definitions: services/reply_figures.py; the footnote of the indicators table says them for readers.
"""

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from ..labels import CASE_CHANNEL_LABELS, OUTCOME_LABELS, label_for
from . import stats
from .analytics import Dashboard
from .reports import Cell, Table, num, pct, points, relative


def marked(cell: Cell, too_few: bool) -> Cell:
    """A rate with the too-few mark of the satisfaction tables when fewer than 30 cases stand behind it; the
    mark is part of the text (page, CSV, PDF) and of the number format (the .ods cell keeps its number)."""
    if not too_few or cell.value is None:
        return cell
    mark = str(_l("%(value)s (%(mark)s)", value="", mark=str(_l("Too few"))))
    return Cell(cell.text + mark, cell.value, cell.tone, cell.kind, cell.digits, mark=mark)


def rate_cell(block: dict, key: str, too_few_key: str) -> Cell:
    return marked(pct(block[key]), block[too_few_key])


def reply_cell(block: dict) -> Cell:
    s = block["reply"]
    return marked(pct(s.rate), s.too_few)


def _days(value) -> Cell:
    return num(value, 1)


def definitions(board: Dashboard) -> str:
    """The footnote of the indicators table: what each figure counts."""
    return str(_l(
        "On-time reply rate (如期回應率): cases replied by their due date ÷ cases whose due date fell in the period "
        "(up to now); a case with no reply by its due date counts as late, still open or not; one transferred to "
        "another agency or merged before its due date without a reply of its own is left out. "
        "On-time closure rate (如期結案率): cases closed by their due date ÷ cases closed in the period; closing "
        "the file is internal and shown beside the reply rate, never instead of it. "
        "Working days to reply / to close: office calendar working days from receipt (or reopening) to the first "
        "reply / the closure. A reopened case starts a new handling cycle with its own due date; the earlier reply "
        "and closure stay counted in the period they happened, so an ended period keeps its figures. "
        "Extension rate: cases due in the period whose due date was extended before it passed. "
        "Re-handling rate: rated replies sent back for re-handling (rated 2 or below) ÷ rated replies. "
        "Change in points = this period's rate − the base period's; growth rate (成長率) = (this period − base) ÷ "
        "base. Too few: fewer than 30 cases or ratings behind a rate, too few to read it from. "
        "Open without a reply past the due date counted at %(now)s. %(span)s",
        now=board.generated_at.astimezone(stats.TAIPEI).strftime("%Y-%m-%d %H:%M"),
        span=board.footnote,
    ))


def _growth_rows(label, vs_previous: stats.Growth, vs_last_year: stats.Growth) -> list[list[Cell]]:
    return [
        [Cell(str(_l("%(indicator)s: change in percentage points", indicator=label))), Cell(""),
         points(vs_previous), points(vs_last_year)],
        [Cell(str(_l("%(indicator)s: growth rate (relative)", indicator=label))), Cell(""),
         relative(vs_previous), relative(vs_last_year)],
    ]


def indicators_table(board: Dashboard) -> Table:
    cases = board.cases
    cur, prev, last = cases["current"], cases["previous"], cases["last_year"]
    table = Table(
        "cases",
        str(_l("Responses to citizens")),
        [str(_l("Indicator")), board.period.label, board.period.previous().label,
         board.period.same_last_year().label],
        note=definitions(board),
    )

    def row(label, make):
        table.rows.append([Cell(str(label))] + [make(block) for block in (cur, prev, last)])

    row(_l("Cases received"), lambda b: num(b["received"]))
    row(_l("Cases due in the period"), lambda b: num(b["due"]))
    row(_l("Replied by the due date"), lambda b: num(b["reply_on_time"]))
    row(_l("No reply by the due date"), lambda b: num(b["reply_late"]))
    on_time_reply = _l("On-time reply rate")
    row(on_time_reply, lambda b: rate_cell(b, "reply_on_time_rate", "reply_on_time_too_few"))
    table.rows.extend(_growth_rows(on_time_reply, cases["reply_on_time_vs_previous"],
                                   cases["reply_on_time_vs_last_year"]))
    row(_l("Cases replied"), lambda b: num(b["replied"]))
    row(_l("Mean working days to reply"), lambda b: _days(b["reply_mean_days"]))
    row(_l("Median working days to reply"), lambda b: _days(b["reply_median_days"]))
    row(_l("Cases closed"), lambda b: num(b["closed"]))
    row(_l("Closed by the due date"), lambda b: num(b["on_time"]))
    on_time_close = _l("On-time closure rate")
    row(on_time_close, lambda b: rate_cell(b, "on_time_rate", "on_time_too_few"))
    table.rows.extend(_growth_rows(on_time_close, cases["on_time_vs_previous"], cases["on_time_vs_last_year"]))
    row(_l("Mean working days to close"), lambda b: _days(b["mean_days"]))
    row(_l("Median working days to close"), lambda b: _days(b["median_days"]))
    row(_l("Extension rate"), lambda b: rate_cell(b, "extension_rate", "extension_too_few"))
    row(_l("Replies rated"), lambda b: num(b["rated"]))
    reply = _l("Reply satisfaction")
    row(reply, reply_cell)
    table.rows.extend(_growth_rows(reply, cases["reply_vs_previous"], cases["reply_vs_last_year"]))
    row(_l("Re-handling rate"), lambda b: rate_cell(b, "rehandling_rate", "rehandling_too_few"))
    table.rows.append([Cell(str(_l("Open without a reply, past the due date now"))), num(cases["open_overdue"]),
                       Cell(""), Cell("")])
    return table


def _header() -> list[str]:
    return [
        pgettext("count", "Received"),
        pgettext("count", "Due"),
        str(_l("On-time reply rate")),
        str(_l("Median working days to reply")),
        pgettext("count", "Closed"),
        str(_l("On-time closure rate")),
        str(_l("Median working days to close")),
        str(_l("Re-handling rate")),
        str(_l("Reply satisfaction")),
    ]


def _block_cells(f: dict) -> list[Cell]:
    return [
        num(f["received"]),
        num(f["due"]),
        rate_cell(f, "reply_on_time_rate", "reply_on_time_too_few"),
        _days(f["reply_median_days"]),
        num(f["closed"]),
        rate_cell(f, "on_time_rate", "on_time_too_few"),
        _days(f["median_days"]),
        rate_cell(f, "rehandling_rate", "rehandling_too_few"),
        reply_cell(f),
    ]


def case_tables(board: Dashboard) -> list[Table]:
    """The 意見回應 tables: indicators, by channel, category and unit, by period, and closed cases by outcome."""
    cases = board.cases
    if not cases:
        return []
    span = board.footnote
    short_note = str(_l("Rates and working days as defined under the indicators table; too few: fewer than 30 "
                        "cases or ratings behind a rate. %(span)s", span=span))
    out = [indicators_table(board)]
    for key, title in (
        ("channel", _l("Cases by channel")),
        ("category", _l("Cases by category")),
        ("unit", _l("Cases by unit")),
    ):
        table = Table(f"cases_by_{key}", str(title), [str(_l("Group"))] + _header(), note=short_note)
        for group, f in cases["breakdowns"][key]:
            name = label_for(CASE_CHANNEL_LABELS, group) if key == "channel" else group
            table.rows.append([Cell(str(name), str(name))] + _block_cells(f))
        out.append(table)
    trend = Table("cases_trend", str(_l("Cases by period")), [str(_l("Period"))] + _header(), note=short_note)
    for period, f in cases["trend"]:
        trend.rows.append([Cell(period.label, period.label)] + _block_cells(f))
    out.append(trend)
    outcomes = sorted({o for row in cases["review"].values() for o in row})
    review = Table(
        "review",
        str(_l("Closed cases by category and outcome")),
        [str(_l("Category"))] + [label_for(OUTCOME_LABELS, o) for o in outcomes] + [str(_l("Total"))],
        note=span,
    )
    for category, row in cases["review"].items():
        review.rows.append(
            [Cell(category, category)] + [num(row.get(o, 0)) for o in outcomes] + [num(sum(row.values()))]
        )
    out.append(review)
    return out
