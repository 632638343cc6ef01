"""The quarterly report's files read as a director forwards them: a typed spreadsheet and an A4 document."""

import io
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime

import pytest
from odf.namespaces import NUMBERNS, OFFICENS, STYLENS, TABLENS
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow

from feedback_app.services.report_ods import sheet_name
from feedback_app.services.reports import build_quarterly_report

from .factories import make_rating


@pytest.fixture
def office_report(quarter_data):
    return build_quarterly_report(quarter_data.a, 2025, 2)


def _styles(doc) -> dict:
    return {s.getAttrNS(STYLENS, "name"): s for s in doc.automaticstyles.childNodes if s.qname[1] != "#text"}


def _decimals(doc, cell) -> int:
    """How many decimals a cell's number format shows."""
    styles = _styles(doc)
    data = styles[styles[cell.getAttrNS(TABLENS, "style-name")].getAttrNS(STYLENS, "data-style-name")]
    number = next(n for n in data.childNodes if n.qname == (NUMBERNS, "number"))
    return int(number.getAttrNS(NUMBERNS, "decimal-places"))


def _rows(sheet) -> list[list]:
    return [row.getElementsByType(TableCell) for row in sheet.getElementsByType(TableRow)]


def test_the_spreadsheet_stores_rates_as_percentages_counts_as_integers_and_means_to_two_decimals(office_report):
    doc = load(io.BytesIO(office_report.ods()))
    sheets = {s.getAttribute("name"): s for s in doc.spreadsheet.getElementsByType(Table)}
    rows = _rows(sheets["各管道服務滿意度（滿意＋非常滿意）"])
    header, first = rows[2], rows[3]
    line = office_report.board.lines[0].current

    rate = first[2]
    assert rate.getAttrNS(OFFICENS, "value-type") == "percentage"
    assert float(rate.getAttrNS(OFFICENS, "value")) == pytest.approx(line.rate, abs=1e-6)
    assert _decimals(doc, rate) == 1
    percentage_style = _styles(doc)[_styles(doc)[rate.getAttrNS(TABLENS, "style-name")].getAttrNS(
        STYLENS, "data-style-name")]
    assert percentage_style.qname == (NUMBERNS, "percentage-style")

    count = first[1]
    assert count.getAttrNS(OFFICENS, "value-type") == "float"
    assert int(count.getAttrNS(OFFICENS, "value")) == line.n
    assert _decimals(doc, count) == 0

    mean = first[4]
    assert mean.getAttrNS(OFFICENS, "value-type") == "float" and _decimals(doc, mean) == 2

    assert first[0].getAttrNS(OFFICENS, "value-type") == "string"
    assert all(c.getAttrNS(TABLENS, "style-name") == "header" for c in header)
    with zipfile.ZipFile(io.BytesIO(office_report.ods())) as z:
        content = z.read("content.xml").decode()
    header_style = re.search(r'<style:style style:name="header".*?</style:style>', content).group(0)
    assert 'fo:font-weight="bold"' in header_style and 'fo:background-color="#dce6f1"' in header_style


def test_the_spreadsheet_names_its_sheets_by_the_chinese_titles_and_sets_column_widths(office_report):
    data = office_report.ods()
    doc = load(io.BytesIO(data))
    names = [s.getAttribute("name") for s in doc.spreadsheet.getElementsByType(Table)]
    assert names[:2] == ["各管道服務滿意度（滿意＋非常滿意）", "評分分布"]
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert len(set(names)) == len(names)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        content = z.read("content.xml").decode()
    assert 'style:column-width="6cm"' in content and "table:table-column" in content


def test_sheet_names_lose_what_spreadsheets_refuse_and_stay_unique():
    taken = set()
    assert sheet_name("比較 [A/B]: 誰?*\\", taken) == "比較 _A_B__ 誰___"
    long = "很長的表格名稱" * 6
    assert sheet_name(long, taken) == long[:31]
    assert sheet_name(long, taken) == long[:28] + "(2)"


def _pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_pdf_names_office_and_roc_quarter_and_shows_no_raw_codes(quarter_data, office_report, tmp_path):
    text = _pdf_text(office_report.pdf(), tmp_path)
    assert "AA戶政事務所" in text and "114年第2季" in text
    assert "重要指標摘要" in text and "服務滿意度：" in text  # the summary and its definitions
    for code in ("mayor_mailbox", "petition_system", "in_progress", "overall", "combined", "kiosk"):
        assert not re.search(rf"\b{code}\b", text), code


def _poppler(tool: str, data: bytes, tmp_path, *args) -> str:
    """The output of a poppler-utils tool on the PDF (its object streams are compressed: read it as a viewer)."""
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run([tool, *args, str(path)], capture_output=True, text=True, check=True).stdout


def test_every_page_of_the_pdf_is_a4_portrait(office_report, tmp_path):
    info = _poppler("pdfinfo", office_report.pdf(), tmp_path, "-f", "1", "-l", "999")
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert pages > 2 and len(sizes) == pages
    assert {(round(float(w)), round(float(h))) for w, h in sizes} == {(595, 842)}


def test_the_pdf_draws_hu_in_its_taiwanese_form(office_report, tmp_path):
    """戶 (Taiwan) and 戸 (Japan) share a code point: only the embedded face decides which one is drawn."""
    fonts = _poppler("pdffonts", office_report.pdf(), tmp_path)
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and all(re.fullmatch(r"[A-Z]{6}\+Noto-Sans-CJK-TC(-Bold)?", n) for n in names), names
    assert "jp" not in fonts.lower().replace("-", "")


def test_a_report_of_a_quarter_still_running_says_so_on_its_cover(org, tmp_path):
    now = datetime.now(UTC)
    make_rating(org.a, now, 5)
    running = build_quarterly_report(org.a, now.year, (now.month - 1) // 3 + 1)
    cover = _pdf_text(running.pdf(), tmp_path).split("\f")[0]
    assert "本季尚未結束" in cover
    finished = build_quarterly_report(org.a, 2025, 3)
    assert "本季尚未結束" not in _pdf_text(finished.pdf(), tmp_path).split("\f")[0]


def test_a_positive_change_shows_a_plus_sign_in_the_spreadsheet_and_stays_a_number(quarter_data):
    report = build_quarterly_report(quarter_data.a, 2025, 2)
    doc = load(io.BytesIO(report.ods()))
    sheets = {s.getAttribute("name"): s for s in doc.spreadsheet.getElementsByType(Table)}
    first = _rows(sheets["各管道服務滿意度（滿意＋非常滿意）"])[3]
    change = first[5]  # vs the previous period, in points
    assert change.getAttrNS(OFFICENS, "value-type") == "float"
    float(change.getAttrNS(OFFICENS, "value"))
    styles = _styles(doc)
    data = styles[styles[change.getAttrNS(TABLENS, "style-name")].getAttrNS(STYLENS, "data-style-name")]
    condition = next(n for n in data.childNodes if n.qname == (STYLENS, "map"))
    assert condition.getAttrNS(STYLENS, "condition") == "value()>0"
    common = {s.getAttrNS(STYLENS, "name"): s for s in doc.styles.childNodes if s.qname[1] != "#text"}
    positive = common[condition.getAttrNS(STYLENS, "apply-style-name")]
    assert positive.childNodes[0].qname == (NUMBERNS, "text") and str(positive.childNodes[0]) == "+"
    relative = first[6]  # vs the previous period, relative: a signed percentage
    assert relative.getAttrNS(OFFICENS, "value-type") == "percentage"
    data = styles[styles[relative.getAttrNS(TABLENS, "style-name")].getAttrNS(STYLENS, "data-style-name")]
    assert any(n.qname == (STYLENS, "map") for n in data.childNodes)
    rate = first[2]  # a rate is not a change: no sign
    data = styles[styles[rate.getAttrNS(TABLENS, "style-name")].getAttrNS(STYLENS, "data-style-name")]
    assert not any(n.qname == (STYLENS, "map") for n in data.childNodes)
