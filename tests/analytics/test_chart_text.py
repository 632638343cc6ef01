"""Every chart says its main finding in one line of alt text and links to the table it is read from; the heat map
has a table and a CSV like every other chart."""

import html
import io
import re

from odf.opendocument import load
from odf.table import Table

from feedback_app.services.analytics import dashboard, scope_of
from feedback_app.services.chart_text import findings
from feedback_app.services.report_pdf import report_html
from feedback_app.services.reports import build_quarterly_report, chart_titles
from feedback_app.services.stats import Period
from tests.conftest import login


def test_the_heat_map_has_a_table_and_a_csv_like_every_other_chart(client, quarter_data):
    login(client, "aa.director")
    page = client.get("/analytics/?period=2025-Q2").get_data(as_text=True)
    section = re.search(r'<section class="analytics-table" id="table-heatmap">.*?</section>', page, re.S).group(0)
    assert "星期 × 時段滿意度" in section and "星期一" in section and "7時" in section
    board = dashboard(scope_of(quarter_data.a), Period("quarter", 2025, 2))
    monday = [f"{rate * 100:.0f}%" if rate is not None else "—" for rate in board.heatmap[0]]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", section.split("星期一", 1)[1].split("</tr>", 1)[0]) == monday
    csv = client.get("/analytics/table/heatmap.csv?period=2025-Q2")
    assert csv.status_code == 200
    text = csv.get_data().decode("utf-8-sig")
    assert "星期,7時,8時" in text and "星期一," in text


def test_every_chart_image_states_its_finding_in_one_line_and_links_its_table(client, quarter_data):
    login(client, "aa.director")
    page = client.get("/analytics/?period=2025-Q2").get_data(as_text=True)
    figures = re.findall(r'<figure class="chart">.*?</figure>', page, re.S)
    assert len(figures) == 6
    for figure in figures:
        alt = html.unescape(re.search(r'alt="([^"]*)"', figure).group(1))
        title, finding = alt.split("：", 1)
        assert title and finding.endswith("。") and "\n" not in alt and len(alt) < 160, alt
        table = re.search(r'href="#(table-[\w-]+)"', figure).group(1)
        assert f'id="{table}"' in page, table
    board = dashboard(scope_of(quarter_data.a), Period("quarter", 2025, 2))
    said = findings(board, chart_titles(board))
    assert "最低" in said["heatmap"] and "最高" in said["heatmap"]
    assert said["pareto"].startswith("最常被選的不滿意原因為「")
    assert "如期結案率 50.0%" in said["cases"]


def test_the_report_holds_the_heat_map_table_and_each_chart_finding(quarter_data, tmp_path):
    report = build_quarterly_report(quarter_data.a, 2025, 2)
    doc = load(io.BytesIO(report.ods()))
    assert "星期 × 時段滿意度" in [s.getAttribute("name") for s in doc.spreadsheet.getElementsByType(Table)]
    html_text = report_html(report.title, report.board, report.tables)
    for finding in findings(report.board, chart_titles(report.board)).values():
        assert f"<figcaption>{html.escape(finding, quote=False)}</figcaption>" in html_text
