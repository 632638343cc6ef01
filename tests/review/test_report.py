"""Phone tests and improvement actions in the quarterly report's spreadsheet and PDF, and on the dashboard."""

import io
import re
import shutil
import subprocess
from datetime import date, datetime

import pytest
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow

from feedback_app.extensions import db
from feedback_app.models import ImprovementState
from feedback_app.services import improvements, phone_tests
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.reports import build_quarterly_report
from feedback_app.services.stats import Period
from tests.analytics.factories import make_rating
from tests.conftest import login

from .conftest import RECORDED
from .factories import record

DONE = datetime(2026, 9, 1, 10, 0, tzinfo=TAIPEI)


@pytest.fixture
def quarter(app, org, calendar_2026):
    """Office AA in 2026-Q3: a plan of 4 tests, 3 made (one failed), and an action on waiting time done on
    1 Sep with 10 ratings before it (5 satisfied) and 10 after (8 satisfied)."""
    monitor, director = org.users[("TPE", "monitor")], org.users[("AA", "director")]
    phone_tests.save_plan(monitor, org.a.units[0].id, Period("quarter", 2026, 3), 4)
    for failing in ((), (), ("greeting",)):
        record(org, RECORDED, failing=failing)
    data = improvements.ActionInput(
        office_id=org.a.id, problem="民眾反映等候時間過長", target="reason:wait_long",
        measure="尖峰時段加開綜合受理櫃檯", owner_id=org.users[("AA", "supervisor")].id,
        due_date=date(2026, 9, 30), state=ImprovementState.DONE,
    )
    action = improvements.create_action(director, data, now=DONE)
    for day, satisfied in ((date(2026, 8, 20), 5), (date(2026, 9, 15), 8)):
        for i in range(10):
            make_rating(org.a, datetime(day.year, day.month, day.day, 10, i, tzinfo=TAIPEI),
                        5 if i < satisfied else 2, reasons=["wait_long"] if i >= satisfied else None)
    db.session.commit()
    return action


def _sheets(data: bytes) -> dict[str, list[list[str]]]:
    doc = load(io.BytesIO(data))
    out = {}
    for sheet in doc.spreadsheet.getElementsByType(Table):
        out[sheet.getAttribute("name")] = [
            [str(cell) for cell in row.getElementsByType(TableCell)] for row in sheet.getElementsByType(TableRow)
        ]
    return out


def test_the_spreadsheet_holds_the_plan_the_results_and_the_action_with_its_before_and_after(quarter, org):
    report = build_quarterly_report(org.a, 2026, 3)
    sheets = _sheets(report.ods())
    units = sheets["各課室電話禮貌測試計畫與結果"]
    assert units[2][:5] == ["課室", "計畫次數", "已測次數", "計畫達成率", "通過"]
    assert units[3][:6] == ["戶籍登記課", "4", "3", "75%", "2", "66.7%"]
    actions = sheets["檢討改進措施"]
    row = actions[3]
    assert row[:6] == ["民眾反映等候時間過長", "不滿意原因：等候太久", "尖峰時段加開綜合受理櫃檯", "aa.supervisor",
                       "115年9月30日", "已完成"]
    assert row[6].startswith("本機關民眾服務滿意度 50.0%（n=10，95%信賴區間 23.7%–76.3%，樣本不足")
    assert row[7].startswith("本機關民眾服務滿意度 80.0%（n=10，95%信賴區間 49.0%–94.3%，樣本不足")


def _pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text)


def test_the_pdf_has_a_section_with_the_tests_and_the_action_before_and_after(quarter, org, tmp_path):
    text = _pdf_text(build_quarterly_report(org.a, 2026, 3).pdf(), tmp_path)
    assert "電話禮貌測試與檢討改進" in text
    assert "各課室電話禮貌測試計畫與結果" in text
    assert "不滿意原因：等候太久" in text
    assert "民眾反映等候時間過長" in text
    assert "50.0%" in text and "80.0%" in text


def test_the_dashboard_shows_the_section_for_its_period(quarter, client, org):
    login(client, "tpe.monitor")
    page = client.get(f"/analytics/?period=2026-Q3&office={org.a.id}").get_data(as_text=True)
    assert "電話禮貌測試與檢討改進" in page
    assert "各課室電話禮貌測試計畫與結果" in page
    assert "不滿意原因：等候太久" in page
