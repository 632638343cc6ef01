"""The quarterly report as an A4 document: cover, one-page summary, sections of tables and charts, page numbers.

Laid out as HTML by WeasyPrint from templates/reports/quarterly.html, charts embedded as SVG (their text stays
text, in the report's font). The font is the Traditional Chinese face of the bundled Noto CJK collection, the file
charts.py prepares: Pango would otherwise pick the collection's first, Japanese face and draw 戶 as 戸.
Tables use a fixed layout: working out column widths from every cell's content is most of the cost of an
automatic table layout, and the report's columns are known.
"""

import base64
from datetime import datetime

from flask import render_template
from flask_babel import lazy_gettext as _l

from .. import charts
from ..i18n import roc_date
from . import chart_text, review_tables, stats
from .analytics import Dashboard
from .headline import headline
from .reports import CHART_TITLES, Table, figures

_font_config = None


def _fonts():
    """WeasyPrint's font configuration, made once per process (it loads the fonts the documents declare)."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def issue_date(moment: datetime) -> str:
    """A moment's date in Asia/Taipei as Taiwanese documents write it (114年3月5日)."""
    return roc_date(moment.astimezone(stats.TAIPEI).date())


# Which tables and charts each section of the report holds, in reading order.
SECTIONS = (
    (_l("Satisfaction of citizens"), ("satisfaction", "distribution", "trend"), ("trend", "distribution")),
    (_l("Offices compared, and when citizens are least satisfied"), ("comparison", "heatmap"), ("funnel", "heatmap")),
    (_l("Dissatisfaction reasons and gender statistics"), ("reasons", "gender"), ("pareto",)),
    (_l("Staff satisfaction and real-time alerts"), ("staff", "alerts"), ()),
    (
        _l("Responses to citizens"),
        ("cases", "cases_by_channel", "cases_by_category", "cases_by_unit", "cases_trend", "review"),
        ("cases",),
    ),
    (review_tables.SECTION_TITLE, review_tables.TABLE_KEYS, ()),
)


# How charts are embedded: PNG at 150 dpi (sharp on paper at the printed width). SVG keeps chart text as text, but
# WeasyPrint draws an SVG element by element in Python: in alternating runs on a heavily loaded 2-core machine an
# office's report took a median 7.2 s of CPU with SVG charts and 6.1 s with PNG; each chart's finding is printed
# under it and its figures are in the tables.
CHART_FORMAT = "png"
CHART_DPI = 150
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _embedded(fig) -> str:
    """A chart as a data URL the HTML embeds."""
    if CHART_FORMAT == "png":
        fig.set_dpi(CHART_DPI)
    data = charts.render(fig, CHART_FORMAT)
    return f"data:{MEDIA_TYPES[CHART_FORMAT]};base64," + base64.b64encode(data).decode("ascii")


def is_running(board: Dashboard) -> bool:
    """Whether the report's quarter had not ended when its figures were computed."""
    return board.generated_at < board.period.end_utc


def report_html(title: str, board: Dashboard, tables: list[Table]) -> str:
    """The report as the HTML WeasyPrint lays out."""
    by_key = {t.key: t for t in tables}
    drawn = {name: _embedded(fig) for name, fig in figures(board).items()}
    sections = []
    for heading, table_keys, chart_keys in SECTIONS:
        section_tables = [by_key[k] for k in table_keys if k in by_key]
        section_charts = [(drawn[k], k) for k in chart_keys if k in drawn]
        if section_tables or section_charts:
            sections.append({"heading": str(heading), "tables": section_tables, "charts": section_charts})
    return render_template(
        "reports/quarterly.html",
        title=title,
        board=board,
        issued=issue_date(board.generated_at),
        running=is_running(board),
        until=issue_date(board.generated_at),
        headline=headline(board),
        sections=sections,
        font_url=charts.tc_font_file().as_uri(),
        font_family=charts.FONT_FAMILY,
        chart_titles=CHART_TITLES,
        findings=chart_text.findings(board, drawn),
    )


def render_pdf(title: str, board: Dashboard, tables: list[Table]) -> bytes:
    """The report as an A4 PDF in the Traditional Chinese face of the bundled font."""
    from weasyprint import HTML

    html = report_html(title, board, tables)
    return HTML(string=html, base_url=".").write_pdf(font_config=_fonts())
