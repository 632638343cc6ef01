"""Importing 1999 dispatch lists: dry run first, clear row errors, all or nothing, never twice."""

import io

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, CaseChannel, CaseEvent
from feedback_app.services.calendar import TAIPEI
from feedback_app.services.case_import import import_cases
from feedback_app.services.errors import ValidationFailed
from tests.conftest import login

HEADER = "案件編號,受理時間,管道,類別,主旨,內容,陳情人,電話,電子郵件,地址\r\n"
ROWS = (
    "1999-0001,114/01/22 10:05,1999,等候時間,等候叫號超過一小時,民眾反映等候過久,王小明,0912345678,,\r\n"
    "1999-0002,2025-01-23 16:40,單一陳情系統,,網站預約失敗,無法預約,陳美麗,,mei@example.tw,\r\n"
    "1999-0003,2025/01/24 09:00:00,書面,環境設施,停車位不足,,林大同,,,臺北市中山區松江路100號\r\n"
)


def big5(text: str) -> bytes:
    return text.encode("big5")


def count_cases() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def test_a_big5_crlf_file_dry_runs_without_writing_then_imports_with_back_dated_due_dates(org, calendar_2025):
    data = big5(HEADER + ROWS)
    report = import_cases(data, org.a, dry_run=True)
    db.session.rollback()
    assert report.encoding == "cp950"
    assert [row.data.external_ref for row in report.to_create] == ["1999-0001", "1999-0002", "1999-0003"]
    assert count_cases() == 0

    report = import_cases(
        data, org.a, actor_id=org.users[("AA", "supervisor")].id, source_name="dispatch.csv"
    )
    db.session.commit()
    cases = {c.external_ref: c for c in db.session.scalars(sa.select(Case))}
    first = cases["1999-0001"]
    assert first.received_at.astimezone(TAIPEI).isoformat() == "2025-01-22T10:05:00+08:00"
    assert first.number.startswith("AA-1140122-")
    assert first.channel == CaseChannel.HOTLINE_1999
    assert first.category.code == "waiting_time"
    # Received Wed 1/22; six working days: 1/23, 1/24, then Lunar New Year, then 2/3, 2/4, 2/5, 2/6.
    assert first.due_at.astimezone(TAIPEI).date().isoformat() == "2025-02-06"
    assert first.petitioner_name == "王小明"
    assert cases["1999-0002"].channel == CaseChannel.PETITION_SYSTEM
    assert cases["1999-0003"].petitioner_address == "臺北市中山區松江路100號"
    assert [r.case_number for r in report.to_create] == [
        cases[r].number for r in ("1999-0001", "1999-0002", "1999-0003")
    ]
    trail = db.session.scalars(
        sa.select(CaseEvent).where(CaseEvent.case_id == first.id).order_by(CaseEvent.id)
    )
    assert [(e.action, e.actor_id, e.after.get("file"), e.after.get("row")) for e in trail] == [
        ("created", org.users[("AA", "supervisor")].id, None, None),
        ("imported", org.users[("AA", "supervisor")].id, "dispatch.csv", 2),
    ]


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: text.encode("utf-8-sig"),
        lambda text: text.replace("\r\n", "\n").encode("utf-8"),
    ],
)
def test_utf8_with_or_without_bom_and_lf_files_read_alike(org, calendar_2025, encode):
    report = import_cases(encode(HEADER + ROWS), org.a, dry_run=True)
    assert [row.data.subject for row in report.to_create] == [
        "等候叫號超過一小時",
        "網站預約失敗",
        "停車位不足",
    ]


def test_importing_the_same_file_again_adds_nothing_and_reports_the_skipped_rows(org, calendar_2025):
    data = big5(HEADER + ROWS)
    import_cases(data, org.a)
    db.session.commit()
    again = import_cases(data + big5("1999-0004,2025-01-24 11:00,1999,,新案件,,,,,\r\n"), org.a)
    db.session.commit()
    assert again.skipped == [(2, "1999-0001"), (3, "1999-0002"), (4, "1999-0003")]
    assert [row.data.external_ref for row in again.to_create] == ["1999-0004"]
    assert count_cases() == 4
    # Another office may hold the same reference: the key is office + reference.
    other = import_cases(data, org.b)
    db.session.commit()
    assert len(other.to_create) == 3 and count_cases() == 7


def test_one_bad_row_refuses_the_whole_file_naming_each_row_and_field(org, calendar_2025):
    bad = (
        HEADER
        + ROWS
        + "1999-0005,2025-02-30 10:00,1999,,日期錯誤,,,,,\r\n"
        + "1999-0006,2025-01-24 10:00,飛鴿傳書,,管道錯誤,,,,,\r\n"
        + "1999-0007,2025-01-24 10:00,1999,不存在的類別,,,,,,\r\n"
        + "1999-0001,2025-01-24 10:00,電子郵件,,重複編號且無信箱,,,,,\r\n"
    )
    with pytest.raises(ValidationFailed) as raised:
        import_cases(big5(bad), org.a)
    db.session.rollback()
    assert raised.value.details == {
        "第 5 列，受理時間": "不是有效的日期時間，例如 2025-01-22 10:05 或 114/01/22 10:05。",
        "第 6 列，管道": "未知的來源管道。",
        "第 7 列，類別": "未知的案件類別。",
        "第 7 列，主旨": "請填寫主旨。",
        "第 8 列，案件編號": "與本檔第 2 列重複。",
        "第 8 列，電子郵件": "此來源管道須留下回復陳情人的聯絡方式。",
    }
    assert count_cases() == 0


def test_a_failure_while_writing_leaves_no_case_behind(org, calendar_2025, monkeypatch):
    """If opening the third case fails, the first two are not kept either."""
    from feedback_app.services import case_import

    real_open_case, calls = case_import.open_case, []

    def failing_open_case(data, **kwargs):
        calls.append(data.external_ref)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_open_case(data, **kwargs)

    monkeypatch.setattr(case_import, "open_case", failing_open_case)
    with pytest.raises(RuntimeError):
        import_cases(big5(HEADER + ROWS), org.a)
    db.session.rollback()
    assert calls == ["1999-0001", "1999-0002", "1999-0003"]
    assert count_cases() == 0


@pytest.mark.parametrize(
    "content, code",
    [
        (b"\xff\xfe\x00garbage\x81", "bad_encoding"),
        ("編號,時間\r\nx,y\r\n".encode(), "bad_header"),
        (HEADER.encode(), "empty"),
    ],
)
def test_unreadable_files_are_refused(org, content, code):
    with pytest.raises(ValidationFailed) as raised:
        import_cases(content, org.a, dry_run=True)
    assert raised.value.code == code


def test_cli_dry_run_then_import(runner, org, calendar_2025, tmp_path):
    path = tmp_path / "dispatch.csv"
    path.write_bytes(big5(HEADER + ROWS))
    result = runner.invoke(args=["cases", "import", str(path), "--office", "AA", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would create 3" in result.output and "row 2: 1999-0001" in result.output
    assert count_cases() == 0
    result = runner.invoke(args=["cases", "import", str(path), "--office", "AA"])
    assert result.exit_code == 0, result.output
    assert "created 3" in result.output and "AA-1140122-0001" in result.output
    result = runner.invoke(args=["cases", "import", str(path), "--office", "AA"])
    assert "created 0, skipped 3" in result.output
    assert count_cases() == 3


def test_cli_reports_bad_rows_and_writes_nothing(runner, org, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(big5(HEADER + "1999-0009,明天,1999,,主旨,,,,,\r\n"))
    result = runner.invoke(args=["cases", "import", str(path), "--office", "AA"])
    assert result.exit_code != 0
    assert "第 2 列，受理時間" in result.output
    assert count_cases() == 0


def test_import_page_checks_first_and_imports_on_confirmation(client, org, calendar_2025):
    login(client, "aa.supervisor")
    data = big5(HEADER + ROWS)
    check = client.post(
        "/cases/import",
        data={"office": str(org.a.id), "action": "check", "file": (io.BytesIO(data), "dispatch.csv")},
    )
    assert check.status_code == 200
    text = check.get_data(as_text=True)
    assert "尚未匯入任何資料" in text and "等候叫號超過一小時" in text
    assert count_cases() == 0
    payload = text.split('name="payload" type="hidden" value="')[1].split('"')[0]
    done = client.post(
        "/cases/import", data={"office": str(org.a.id), "action": "import", "payload": payload}
    )
    assert done.status_code == 200
    assert "已匯入 3 件案件" in done.get_data(as_text=True)
    assert count_cases() == 3


def test_import_page_shows_row_errors_and_refuses_other_offices_and_officers(app, client, org):
    login(client, "aa.supervisor")
    bad = client.post(
        "/cases/import",
        data={
            "office": str(org.a.id),
            "action": "check",
            "file": (io.BytesIO(big5(HEADER + "x,bad,1999,,s,,,,,\r\n")), "a.csv"),
        },
    )
    assert bad.status_code == 400
    assert "第 2 列，受理時間" in bad.get_data(as_text=True)
    other = client.post(
        "/cases/import",
        data={"office": str(org.b.id), "action": "check", "file": (io.BytesIO(big5(HEADER + ROWS)), "a.csv")},
    )
    assert other.status_code == 403
    assert count_cases() == 0
    officer = app.test_client()
    login(officer, "aa.officer")
    assert officer.get("/cases/import").status_code == 403


NUL_ROWS = "1999-00\x0001,114/01/22 10:05,1999,等候時間,等候叫號超過一小時,民眾反映等候過久,王小明,0912345678,,\r\n"


def test_a_file_holding_a_nul_character_is_refused_at_the_check_and_at_the_confirmation(client, org, calendar_2025):
    """No field may hold NUL (PostgreSQL cannot store it): the file is bad input, refused with a clear message at
    either step, and nothing is written."""
    import base64

    login(client, "aa.supervisor")
    data = (HEADER + NUL_ROWS).encode()
    check = client.post(
        "/cases/import",
        data={"office": str(org.a.id), "action": "check", "file": (io.BytesIO(data), "dispatch.csv")},
    )
    assert check.status_code == 400
    assert "NUL" in check.get_data(as_text=True)
    confirm = client.post(
        "/cases/import",
        data={"office": str(org.a.id), "action": "import", "payload": base64.b64encode(data).decode()},
    )
    assert confirm.status_code == 400
    assert "NUL" in confirm.get_data(as_text=True)
    assert count_cases() == 0


def test_the_cli_refuses_a_file_holding_a_nul_character(runner, org, calendar_2025, tmp_path):
    path = tmp_path / "dispatch.csv"
    path.write_bytes((HEADER + NUL_ROWS).encode())
    result = runner.invoke(args=["cases", "import", str(path), "--office", "AA"])
    assert result.exit_code != 0 and "NUL" in result.output
    assert count_cases() == 0
