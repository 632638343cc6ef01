"""Phone courtesy tests and improvement actions as tables of the dashboard and the quarterly report.

The report (.ods sheets, the PDF's section) and the dashboard's section are drawn from these tables, so the
three show the same figures with the same words.
"""

from flask_babel import lazy_gettext as _l

from ..i18n import roc_date
from . import improvements, phone_tests
from .analytics import Dashboard
from .reports import Cell, Table, interval, num, pct, points
from .stats import growth

# The report's tables of this section, in reading order (the PDF section lists them by key).
TABLE_KEYS = ("phone_tests_units", "phone_tests_offices", "phone_tests_items", "phone_tests_trend", "improvements")
SECTION_TITLE = _l("Phone courtesy tests and improvement actions")


def _text(value) -> Cell:
    return Cell(str(value), str(value))


def _flag(share: phone_tests.Share) -> Cell:
    return Cell(str(_l("Too few")) if share.too_few else "", "")


def _share_cells(share: phone_tests.Share) -> list[Cell]:
    low, high = share.interval
    return [num(share.n), num(share.hits), pct(share.rate), interval(low, high), _flag(share)]


def share_text(share: phone_tests.Share) -> str:
    """A share as one line: 72.0%（n=150，95%區間 64.5%–78.6%，樣本不足）."""
    if not share.n:
        return str(_l("no data"))
    low, high = share.interval
    parts = [f"n={share.n}", f"{_l('95% interval')} {interval(low, high).text}"]
    if share.too_few:
        parts.append(str(_l("Too few")))
    return f"{pct(share.rate).text}（{'，'.join(parts)}）"


def phone_tables(board: Dashboard) -> list[Table]:
    ids, period, span = board.scope.office_ids, board.period, board.footnote
    several = len(ids) > 1
    units = Table(
        "phone_tests_units",
        str(_l("Phone courtesy tests by unit: plan and results")),
        [
            str(_l("Unit")),
            str(_l("Tests planned")),
            str(_l("Tested")),
            str(_l("Plan progress")),
            str(_l("Passed")),
            str(_l("Share passing")),
            str(_l("95% interval")),
            str(_l("vs previous period")),
            str(_l("Open follow-ups")),
        ],
        note=str(_l("A test passes when none of its items failed. Plans are set per quarter. %(span)s", span=span)),
    )
    for row in phone_tests.unit_progress(ids, period):
        low, high = row.passed.interval
        units.rows.append(
            [
                _text(f"{row.office.name} {row.unit.name}" if several else row.unit.name),
                num(row.planned),
                num(row.done),
                pct(row.progress, 0),
                num(row.passed.hits),
                pct(row.passed.rate),
                interval(low, high),
                points(growth(row.passed.rate, row.previous.rate)),
                num(row.followups_open),
            ]
        )
    offices = Table(
        "phone_tests_offices",
        str(_l("Phone courtesy tests by office")),
        [
            str(_l("Office")),
            str(_l("Tested")),
            str(_l("Passed")),
            str(_l("Share passing")),
            str(_l("95% interval")),
            str(_l("Sample")),
            str(_l("vs previous period")),
        ],
        note=span,
    )
    for office, now, before in phone_tests.office_results(ids, period):
        offices.rows.append([_text(office.name), *_share_cells(now), points(growth(now.rate, before.rate))])
    items = Table(
        "phone_tests_items",
        str(_l("Phone courtesy test items")),
        [str(_l("Item")), str(_l("Tests where it applied")), str(_l("Failed")), str(_l("Share failing"))],
        note=span,
    )
    for item, applied, failed in phone_tests.item_failures(ids, period):
        share = failed / applied if applied else None
        items.rows.append([_text(phone_tests.ITEM_LABELS[item]), num(applied), num(failed), pct(share)])
    trend = Table(
        "phone_tests_trend",
        str(_l("Phone courtesy tests by period")),
        [
            str(_l("Period")),
            str(_l("Tested")),
            str(_l("Passed")),
            str(_l("Share passing")),
            str(_l("95% interval")),
            str(_l("Sample")),
        ],
        note=span,
    )
    for p, share in phone_tests.trend(ids, period):
        trend.rows.append([_text(p.label), *_share_cells(share)])
    return [units, offices, items, trend]


def improvement_table(board: Dashboard) -> Table:
    table = Table(
        "improvements",
        str(_l("Improvement actions")),
        [
            str(_l("Problem")),
            str(_l("Linked to")),
            str(_l("Measure")),
            str(_l("Owner")),
            str(_l("Due date")),
            str(_l("State")),
            str(_l("Before")),
            str(_l("After")),
        ],
        note=str(
            _l(
                "Actions under way in the period or finished in it. Before and after: windows of equal length "
                "on each side of the day an action was done. %(span)s",
                span=board.footnote,
            )
        ),
    )
    for action in improvements.actions_of(board.scope.office_ids, board.period):
        figures = improvements.before_after(action, board.generated_at)
        first = figures.measures[0] if figures and figures.measures else None
        state = str(improvements.STATE_LABELS.get(action.state, action.state))
        if action.dropped_reason:
            state = f"{state}：{action.dropped_reason}"
        table.rows.append(
            [
                _text(action.problem),
                _text(improvements.target_label(action)),
                _text(action.measure),
                _text(action.owner.display_name),
                _text(roc_date(action.due_date)),
                _text(state),
                _text(f"{first.label} {share_text(first.before)}" if first else "—"),
                _text(f"{first.label} {share_text(first.after)}" if first else "—"),
            ]
        )
    return table


def report_tables(board: Dashboard) -> list[Table]:
    """The tables of phone tests and improvement actions for a scope and period."""
    return [*phone_tables(board), improvement_table(board)]
