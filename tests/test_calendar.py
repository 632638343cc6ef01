"""Working days from the official calendar files, as published (BOM, Big5, CRLF, revisions)."""

from datetime import date, datetime

import pytest

from feedback_app.extensions import db
from feedback_app.services.calendar import TAIPEI, WorkCalendar, due_date, import_calendar, parse_calendar
from feedback_app.services.errors import ValidationFailed

from .conftest import CALENDAR_DIR


def load(name: str) -> bytes:
    return (CALENDAR_DIR / name).read_bytes()


@pytest.mark.parametrize("name", sorted(p.name for p in CALENDAR_DIR.glob("*.csv")))
def test_every_published_file_parses(name):
    parsed = parse_calendar(load(name))
    assert len(parsed.rows) in (365, 366)
    assert str(parsed.year) == name[:4]


def test_big5_revision_is_read_as_big5():
    parsed = parse_calendar(load("2025-revised-2025-10-20-big5.csv"))
    assert parsed.encoding == "cp950"
    notes = {row.day: row.note for row in parsed.rows}
    assert notes[date(2025, 1, 1)] == "開國紀念日"


def test_make_up_saturday_counts_and_holidays_do_not(app):
    import_calendar(load("2025.csv"), "2025.csv")
    calendar = WorkCalendar(2025, 2025)
    assert calendar.is_working_day(date(2025, 2, 8))  # 補行上班 Saturday
    assert not calendar.is_working_day(date(2025, 1, 27))  # 彈性放假
    assert not calendar.is_working_day(date(2025, 1, 29))  # 春節


def test_due_date_over_lunar_new_year_2025(app):
    import_calendar(load("2025.csv"), "2025.csv")
    # Received Wed 22 Jan: day 1 is 23 Jan, 24 Jan is day 2; 25 Jan–2 Feb are off; 3,4,5,6 Feb are days 3–6.
    due = due_date(datetime(2025, 1, 22, 10, 0, tzinfo=TAIPEI), 6)
    assert due.due_date == date(2025, 2, 6)
    assert due.due_at == datetime(2025, 2, 6, 23, 59, 59, tzinfo=TAIPEI)
    assert {"date": "2025-01-27", "reason": "補假"} in due.skipped or any(
        s["date"] == "2025-01-27" for s in due.skipped)


def test_revised_calendar_changes_due_dates(app):
    import_calendar(load("2025.csv"), "2025.csv")
    before = due_date(datetime(2025, 9, 25, 9, 0, tzinfo=TAIPEI), 3)
    import_calendar(load("2025-revised-2025-10-20-big5.csv"), "2025-revised-2025-10-20-big5.csv")
    db.session.commit()
    after = due_date(datetime(2025, 9, 25, 9, 0, tzinfo=TAIPEI), 3)
    # 9/29 became a day off (Confucius' Birthday observed), so the third working day moves on.
    assert before.due_date == date(2025, 9, 30)
    assert after.due_date == date(2025, 10, 1)
    assert after.calendar_versions["2025"] != before.calendar_versions["2025"]


def test_bad_file_imports_nothing(app):
    bad = "西元日期,星期,是否放假,備註\r\n20250101,三,9,開國紀念日\r\n".encode()
    with pytest.raises(ValidationFailed):
        import_calendar(bad, "bad.csv")
    with pytest.raises(ValidationFailed):
        parse_calendar(load("2025.csv")[:2000])


def test_a_calendar_file_holding_a_nul_character_is_refused_with_a_clear_error_by_the_cli(runner, tmp_path):
    text = load("2025.csv").decode("utf-8-sig").replace("開國紀念日", "開國\x00紀念日", 1)
    path = tmp_path / "2025.csv"
    path.write_bytes(text.encode())
    with pytest.raises(ValidationFailed) as refused:
        parse_calendar(path.read_bytes())
    assert refused.value.code == "nul_character"
    result = runner.invoke(args=["calendar", "import", str(path)])
    assert result.exit_code != 0 and "NUL" in result.output


def test_a_year_without_its_official_file_names_its_holidays_in_chinese(app):
    # 2027 has no published file here: the fallback calendar says why a day is off, in the staff's words.
    due = due_date(datetime(2027, 2, 3, 10, 0, tzinfo=TAIPEI), 3)
    reasons = {s["date"]: s["reason"] for s in due.skipped}
    assert reasons["2027-02-05"] == "農曆除夕" or "春節" in reasons["2027-02-05"]
    assert all(not any("a" <= ch.lower() <= "z" for ch in reason) for reason in reasons.values() if reason)
