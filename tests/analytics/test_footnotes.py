"""Each indicator a table names carries a numbered footnote with its definition, on the page, in the spreadsheet
and in the printed report; small samples get theirs only where a row has too few answers."""

import io
import re
import shutil
import subprocess

import pytest
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow

from feedback_app.services.report_pdf import report_html
from feedback_app.services.reports import build_quarterly_report
from tests.conftest import login

SATISFACTION = "服務滿意度：有效回答中「滿意」與「非常滿意」所占比率。"
ON_TIME = "如期結案率：本期結案案件中，於處理期限內結案者所占比率。"
TOO_FEW = "樣本不足：有效回答少於30筆，比率僅供參考。"


def _section(page: str, key: str) -> str:
    return re.search(rf'<section class="analytics-table" id="table-{key}">.*?</section>', page, re.S).group(0)


def test_the_page_marks_each_indicator_and_defines_it_under_its_table(client, quarter_data):
    login(client, "aa.director")
    page = client.get("/analytics/?period=2025-Q2").get_data(as_text=True)
    satisfaction = _section(page, "satisfaction")
    number = re.search(r'服務滿意度<sup><a href="#note-satisfaction-(\d)">', satisfaction).group(1)
    assert f'<li id="note-satisfaction-{number}">{SATISFACTION}</li>' in satisfaction
    cases = _section(page, "cases")
    number = re.search(r'如期結案率<sup><a href="#note-cases-(\d)">', cases).group(1)
    assert f'<li id="note-cases-{number}">{ON_TIME}</li>' in cases
    assert TOO_FEW in _section(page, "trend")  # earlier quarters had no answers
    assert TOO_FEW not in _section(page, "distribution")


def test_the_spreadsheet_marks_headings_and_lists_the_definitions_under_each_table(quarter_data):
    report = build_quarterly_report(quarter_data.a, 2025, 2)
    doc = load(io.BytesIO(report.ods()))
    sheet = next(s for s in doc.spreadsheet.getElementsByType(Table) if s.getAttribute("name").startswith("各管道"))
    rows = [[str(c) for c in row.getElementsByType(TableCell)] for row in sheet.getElementsByType(TableRow)]
    heading = next(h for h in rows[2] if h.startswith("服務滿意度") and h != "服務滿意度")
    marker = heading.removeprefix("服務滿意度")
    assert marker in "¹²³⁴⁵⁶⁷⁸⁹"
    assert [f"{marker} {SATISFACTION}"] in rows


def test_the_printed_report_defines_each_marked_indicator_under_its_table(quarter_data, tmp_path):
    report = build_quarterly_report(quarter_data.a, 2025, 2)
    html = report_html(report.title, report.board, report.tables)
    assert re.search(r"服務滿意度<sup>\d</sup>", html)
    assert f"<li>{SATISFACTION}</li>" in html and f"<li>{ON_TIME}</li>" in html
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(report.pdf())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "服務滿意度：有效回答中「滿意」與「非常滿意」所占比率" in text.replace("\n", "")
