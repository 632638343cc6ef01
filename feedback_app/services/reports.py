"""The dashboard as tables and charts, and the quarterly report as .ods, .pdf and CSV.

`tables()` and `figures()` are the single description of what the pages, exports and reports show;
`build_quarterly_report()` is what a scheduled job calls to produce a quarter's report for an office
or the city.
"""

from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..labels import RATING_SOURCE_LABELS, score_labels
from ..models import City, Office
from . import spreadsheet, staff_survey, stats
from .analytics import Dashboard, dashboard, scope_of
from .stats import Period

FUNNEL_LABELS = {
    "within": _l("Within the 95% limits"),
    "above_95": _l("Above the 95% limit"),
    "below_95": _l("Below the 95% limit"),
    "above_998": _l("Above the 99.8% limit"),
    "below_998": _l("Below the 99.8% limit"),
}
SEX_LABELS = {"female": "女", "male": "男", "other": "其他", "": _l("Not answered")}
AGE_LABELS = {
    "under_20": "未滿20歲",
    "20_39": "20–39歲",
    "40_64": "40–64歲",
    "65_plus": "65歲以上",
    "": _l("Not answered"),
}


@dataclass
class Cell:
    """A displayed value; `tone` is "up" / "down" for changes a reader reads as better / worse.

    `kind` says what a number is ("percent" for a share stored as a fraction, "number" otherwise) and `digits`
    how many decimals it is shown with, so a spreadsheet can store the number and show it as the page does; a
    `signed` number is a change, shown with "+" when it is positive."""

    text: str
    value: float | int | str | None = None
    tone: str = ""
    kind: str = ""
    digits: int = 0
    signed: bool = False
    mark: str = ""  # a note after the number, as " (too few)": in its text and in a spreadsheet's number format

    def __str__(self) -> str:
        return self.text

    @property
    def figure(self) -> str:
        """The text without its mark."""
        return self.text[: len(self.text) - len(self.mark)] if self.mark else self.text


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    # Definitions as numbered footnotes, and the footnote number of a heading (by column) or a row label (by row).
    footnotes: list[str] = field(default_factory=list)
    marks: dict[int, int] = field(default_factory=dict)
    row_marks: dict[int, int] = field(default_factory=dict)


def pct(value: float | None, digits: int = 1) -> Cell:
    return Cell(
        "—" if value is None else f"{value * 100:.{digits}f}%",
        None if value is None else round(value, 6),
        kind="percent",
        digits=digits,
    )


def num(value, digits: int = 0) -> Cell:
    if value is None:
        return Cell("—")
    return Cell(f"{value:,.{digits}f}" if digits else f"{value:,}", value, kind="number", digits=digits)


def interval(low: float | None, high: float | None) -> Cell:
    if low is None:
        return Cell("—")
    return Cell(f"{low * 100:.1f}%–{high * 100:.1f}%")


def points(change: stats.Growth, higher_is_better: bool = True) -> Cell:
    if change.points is None:
        return Cell("—")
    better = change.direction * (1 if higher_is_better else -1)
    return Cell(
        f"{change.points:+.1f} " + str(_l("pts")),
        round(change.points, 4),
        "up" if better > 0 else "down" if better < 0 else "",
        kind="points",
        digits=1,
        signed=True,
    )


def relative(change: stats.Growth, higher_is_better: bool = True) -> Cell:
    if change.relative is None:
        return Cell("—")
    better = change.direction * (1 if higher_is_better else -1)
    return Cell(
        f"{change.relative * 100:+.1f}%",
        round(change.relative, 6),
        "up" if better > 0 else "down" if better < 0 else "",
        kind="percent",
        digits=1,
        signed=True,
    )


def _text(value) -> Cell:
    return Cell(str(value), str(value))


def _rate_cells(s) -> list[Cell]:
    """Answers, rate, its 95% interval and the too-few flag: the columns every rate table shows."""
    return [num(s.n), pct(s.rate), interval(s.low, s.high), _flag(s.too_few)]


def _flag(too_few: bool) -> Cell:
    return Cell(str(_l("Too few")) if too_few else "", "")


def tables(board: Dashboard) -> list[Table]:
    """Every table of the dashboard, in reading order."""
    from .chart_text import heatmap_table
    from .definitions import annotate
    span = board.footnote
    result = []
    sat = Table(
        "satisfaction",
        str(_l("Satisfaction (top-2-box) by channel")),
        [
            str(_l("Channel")),
            str(_l("Valid answers")),
            str(_l("Satisfaction")),
            str(_l("95% interval")),
            str(_l("Mean score")),
            str(_l("vs previous period")),
            str(_l("vs previous period (relative)")),
            str(_l("vs same period last year")),
            str(_l("vs same period last year (relative)")),
            str(_l("Noise excluded")),
            str(_l("Sample")),
        ],
        note=str(
            _l(
                "Counted: answers to the chosen question, by tap time in Asia/Taipei, "
                "noise excluded. %(span)s",
                span=span,
            )
        ),
    )
    for line in board.lines:
        c = line.current
        sat.rows.append(
            [
                _text(RATING_SOURCE_LABELS[line.key]),
                num(c.n),
                pct(c.rate),
                interval(c.low, c.high),
                num(c.mean, 2),
                points(line.vs_previous),
                relative(line.vs_previous),
                points(line.vs_last_year),
                relative(line.vs_last_year),
                num(c.noise),
                _flag(c.too_few),
            ]
        )
    result.append(sat)
    dist = Table(
        "distribution",
        str(_l("Distribution of scores")),
        [str(_l("Channel"))] + score_labels(),
        note=span,
    )
    for line in board.lines:
        dist.rows.append([_text(RATING_SOURCE_LABELS[line.key])] + [num(n) for n in line.current.counts])
    result.append(dist)
    trend = Table(
        "trend",
        str(_l("Satisfaction trend")),
        [
            str(_l("Period")),
            str(_l("Channel")),
            str(_l("Valid answers")),
            str(_l("Satisfaction")),
            str(_l("95% interval")),
            str(_l("Sample")),
        ],
        note=span,
    )
    for line in board.lines:
        for period, s in line.trend:
            trend.rows.append(
                [
                    _text(period.label),
                    _text(RATING_SOURCE_LABELS[line.key]),
                    *_rate_cells(s),
                ]
            )
    result.append(trend)
    same_kind = board.selection.compare == "kind"
    references = "; ".join(
        f"{reference_name(g['kind'])} {pct(g['rate']).text}" for g in board.funnel_groups
    ) or pct(board.funnel_rate).text
    funnel = Table(
        "comparison",
        str(_l("Comparison with offices of the same kind (funnel limits)") if same_kind
            else _l("Comparison with the city rate (funnel limits)")),
        [
            str(_l("Office or counter")),
            str(_l("Valid answers")),
            str(_l("Satisfaction")),
            str(_l("Compared with")),
            str(_l("Position")),
            str(_l("Sample")),
        ],
        note=str(
            _l("Compared with the pooled rate of offices of the same kind: %(rates)s. %(span)s", rates=references,
               span=span) if same_kind
            else _l("Compared with the pooled rate of every office of the city: %(rates)s. %(span)s",
                    rates=references, span=span)
        ),
    )
    for p in board.funnel:
        funnel.rows.append(
            [
                _text(p["name"]),
                num(p["n"]),
                pct(p["rate"]),
                Cell(f"{reference_name(p['kind'])} {pct(p['reference']).text}"),
                _text(FUNNEL_LABELS[p["position"]]),
                _flag(p["too_few"]),
            ]
        )
    result.append(funnel)
    reasons = Table(
        "reasons",
        str(_l("Dissatisfaction reasons (Pareto)")),
        [str(_l("Reason")), str(_l("Times chosen")), str(_l("Share")), str(_l("Cumulative share"))],
        note=str(
            _l("Reasons chosen in noise ratings, excluded: %(n)d. %(span)s", n=board.reason_noise, span=span)
        ),
    )
    for reason, count, share, cumulative in board.pareto:
        reasons.rows.append(
            [_text(board.reason_labels.get(reason, reason)), num(count), pct(share), pct(cumulative)]
        )
    result.append(reasons)
    demo = Table(
        "gender",
        str(_l("Satisfaction by sex and age group")),
        [
            str(_l("Sex")),
            str(_l("Age group")),
            str(_l("Valid answers")),
            str(_l("Satisfaction")),
            str(_l("95% interval")),
            str(_l("Sample")),
        ],
        note=str(_l("Only where citizens chose to answer. %(span)s", span=span)),
    )
    for row in board.demographics:
        s = row["sat"]
        demo.rows.append(
            [
                _text(SEX_LABELS.get(row["sex"], row["sex"])),
                _text(AGE_LABELS.get(row["age_group"], row["age_group"])),
                *_rate_cells(s),
            ]
        )
    result.append(demo)
    result.append(staff_survey.staff_table(board))
    alerts = board.alerts or {}
    alert_table = Table(
        "alerts",
        str(_l("Real-time alerts")),
        [str(_l("Where")), str(_l("Alerts"))],
        note=str(
            _l(
                "%(count)d alerts, %(ack)d acknowledged, "
                "median time to acknowledge %(minutes)s minutes. %(span)s",
                count=alerts.get("count", 0),
                ack=alerts.get("acknowledged", 0),
                minutes=num(alerts.get("median_minutes"), 1).text,
                span=span,
            )
        ),
    )
    for name, count in alerts.get("by_office", []) + alerts.get("by_counter", []):
        alert_table.rows.append([_text(name), num(count)])
    result.append(alert_table)
    result.append(heatmap_table(board))
    result.extend(case_tables(board))
    return [annotate(table) for table in result]


def case_tables(board: Dashboard) -> list[Table]:
    """The 意見回應 tables (services/reply_tables.py)."""
    from .reply_tables import case_tables as build

    return build(board)


def table_csv(table: Table) -> bytes:
    """A table as CSV (UTF-8 with BOM, so spreadsheet programs open the Chinese right); a cell holding a number
    is written as the figure shown, any other as text a spreadsheet will not run as a formula."""
    rows = [[table.title], table.header]
    rows += [[_csv_cell(cell) for cell in row] for row in table.rows]
    rows.append([table.note])
    return spreadsheet.csv_bytes(rows)


def _csv_cell(cell: Cell) -> str:
    numeric = isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
    return spreadsheet.Figure(cell.text) if numeric else cell.text


CHART_TITLES = {
    "trend": "滿意度趨勢（95%信賴區間）",
    "distribution": "評分分布",
    "heatmap": "星期 × 時段滿意度",
    "funnel": "與同性質機關比較（漏斗圖）",
    "pareto": "不滿意原因（柏拉圖）",
    "cases": "陳情案件收結、如期回應率與如期結案率",
}


# What the funnel compares with, as its title says it (the default, offices of the same kind, is CHART_TITLES').
FUNNEL_CITY_TITLE = "與全市比較（漏斗圖）"
REFERENCE_NAMES = {"household": "戶政事務所", "district": "區公所", None: "全市"}


def reference_name(kind: str | None) -> str:
    """The reference a funnel point is compared with: its kind of office, or the whole city."""
    return REFERENCE_NAMES.get(kind, kind or "全市")


def chart_titles(board: Dashboard) -> dict[str, str]:
    """The charts a dashboard has, by name, with their titles (for image alt text)."""
    titles = {k: v for k, v in CHART_TITLES.items() if k != "cases" or board.cases}
    if board.selection.compare == "city":
        titles["funnel"] = FUNNEL_CITY_TITLE
    return titles


def _figure_builders(board: Dashboard) -> dict:
    """How to draw each chart of the dashboard, keyed by name; nothing is drawn until a builder is called."""
    from .. import charts

    note = board.footnote
    series = {str(RATING_SOURCE_LABELS[line.key]): [(p.label, s) for p, s in line.trend] for line in board.lines}
    builders = {
        "trend": lambda: charts.trend_chart(series, CHART_TITLES["trend"], note),
        "distribution": lambda: charts.distribution_chart(
            {str(RATING_SOURCE_LABELS[line.key]): line.current for line in board.lines},
            CHART_TITLES["distribution"],
            note,
        ),
        "heatmap": lambda: charts.heatmap_chart(
            board.heatmap, board.heat_hours, CHART_TITLES["heatmap"], f"{note}；有效回答 {board.heat_n} 筆"
        ),
        "funnel": lambda: charts.funnel_panels(
            [(reference_name(g["kind"]), g["rate"], [p for p in board.funnel if p["kind"] == g["kind"]])
             for g in board.funnel_groups],
            chart_titles(board)["funnel"],
            note,
        ),
        "pareto": lambda: charts.pareto_chart(
            board.pareto,
            board.reason_labels,
            CHART_TITLES["pareto"],
            f"{note}；已排除雜訊 {board.reason_noise} 次",
        ),
    }
    if board.cases:
        builders["cases"] = lambda: charts.case_trend_chart(
            [(p.label, f) for p, f in board.cases["trend"]], CHART_TITLES["cases"], note
        )
    return builders


def figures(board: Dashboard) -> dict:
    """Every chart of the dashboard as matplotlib Figures, keyed by name."""
    return {name: build() for name, build in _figure_builders(board).items()}


def figure(board: Dashboard, name: str):
    """One chart of the dashboard as a matplotlib Figure, or None when the dashboard has no such chart."""
    build = _figure_builders(board).get(name)
    return build() if build else None


@dataclass
class QuarterlyReport:
    """A quarter's figures for an office or city; `ods()`, `pdf()` and `csv()` render them on demand."""

    title: str
    filename: str
    board: Dashboard
    tables: list[Table]

    def ods(self) -> bytes:
        return render_ods(self.title, self.tables)

    def pdf(self) -> bytes:
        with force_locale("zh_TW"):
            return render_pdf(self.title, self.board, self.tables)

    def csv(self) -> dict[str, bytes]:
        return {t.key: table_csv(t) for t in self.tables}


def build_quarterly_report(office_or_city: Office | City, year: int, quarter: int) -> QuarterlyReport:
    """The quarter's report for an office or a whole city, in Traditional Chinese, as .ods, .pdf and CSV."""
    period = Period("quarter", year, quarter)
    with force_locale("zh_TW"):
        board = dashboard(scope_of(office_or_city), period)
        return QuarterlyReport(
            title=f"{board.scope.name} {period.label} 服務滿意度與意見回應報告",
            filename=f"{board.scope.code}-{period.key}",
            board=board,
            tables=tables(board) + _review_tables(board),
        )


def _review_tables(board: Dashboard) -> list[Table]:
    from .review_tables import report_tables

    return report_tables(board)


def render_ods(title: str, all_tables: list[Table]) -> bytes:
    """An OpenDocument spreadsheet: one sheet per table, typed cells with number formats."""
    from .report_ods import render_ods as render

    return render(title, all_tables, points_suffix=str(_l("pts")))


def render_pdf(title: str, board: Dashboard, all_tables: list[Table]) -> bytes:
    """An A4 document: cover, summary of headline indicators, sections of tables and charts, page numbers."""
    from .report_pdf import render_pdf as render

    return render(title, board, all_tables)
