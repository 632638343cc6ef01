"""Property tests (hypothesis): due dates on the official calendars, and the personal-data masks."""

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_app.extensions import db
from feedback_app.models import Case
from feedback_app.services.calendar import TAIPEI, WorkCalendar, due_date, import_calendar, parse_calendar
from feedback_app.services.privacy import mask_address, mask_email, mask_name, mask_phone, petitioner_view
from tests.conftest import CALENDAR_DIR


def calendar_dir() -> Path:
    """The official calendars: beside the checkout (CI), or beside the folder of work trees."""
    if CALENDAR_DIR.exists():
        return CALENDAR_DIR
    here = Path(__file__).resolve()
    found = next(
        (
            p / "shared/data/office-calendar"
            for p in here.parents
            if (p / "shared/data/office-calendar").exists()
        ),
        None,
    )
    if found is None:
        pytest.skip("the official calendar files (shared/data/office-calendar) are not beside the checkout")
    return found


FILES = ("2024.csv", "2025.csv", "2025-revised.csv", "2026.csv")
FIXTURE_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def official(app):
    """The official calendars 2024-2026 imported (the revised 2025 last), and the days they mark off."""
    off = set()
    for name in FILES:
        data = (calendar_dir() / name).read_bytes()
        import_calendar(data, name)
        parsed = parse_calendar(data)
        off = {d for d in off if d.year != parsed.year} | {row.day for row in parsed.rows if row.is_off}
    db.session.commit()
    return WorkCalendar(2024, 2027), off


received_times = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 10, 31, 23, 59), timezones=st.just(TAIPEI)
)


def working(day: date, off: set[date]) -> bool:
    return day not in off


@FIXTURE_SETTINGS
@given(received=received_times, n=st.integers(min_value=1, max_value=30))
def test_due_date_is_a_working_day_strictly_after_receipt_with_n_working_days_between(official, received, n):
    calendar, off = official
    due = due_date(received, n, calendar=calendar)
    received_day = received.astimezone(TAIPEI).date()
    assert due.due_date > received_day
    assert working(due.due_date, off)
    between = [received_day + timedelta(days=i) for i in range(1, (due.due_date - received_day).days + 1)]
    assert sum(working(day, off) for day in between) == n
    assert due.due_at == datetime.combine(due.due_date, time(23, 59, 59), tzinfo=TAIPEI)
    assert {s["date"] for s in due.skipped} == {d.isoformat() for d in between if not working(d, off)}


@FIXTURE_SETTINGS
@given(received=received_times, n=st.integers(min_value=0, max_value=29))
def test_due_date_is_strictly_monotone_in_n(official, received, n):
    calendar, _ = official
    assert (
        due_date(received, n, calendar=calendar).due_date
        < due_date(received, n + 1, calendar=calendar).due_date
    )


@FIXTURE_SETTINGS
@given(received=received_times, n=st.integers(min_value=1, max_value=20))
def test_receipt_time_within_a_local_day_does_not_change_the_due_date(official, received, n):
    calendar, _ = official
    local = received.astimezone(TAIPEI)
    morning = local.replace(hour=0, minute=0, second=0, microsecond=0)
    night = local.replace(hour=23, minute=59, second=59, microsecond=0)
    assert due_date(morning, n, calendar=calendar).due_date == due_date(night, n, calendar=calendar).due_date


names = st.text(alphabet=st.characters(categories=("Lo", "Lu", "Ll")), min_size=1, max_size=12)


@given(names)
def test_mask_name_keeps_length_and_ends_and_hides_the_middle(name):
    masked = mask_name(name)
    assert len(masked) == len(name)
    if len(name) == 1:
        assert masked == "○"
    else:
        assert masked[0] == name[0] and masked[1:-1] == "○" * (len(name) - 2)
        assert masked[-1] == (name[-1] if len(name) >= 3 else "○")


digits = st.text(alphabet="0123456789", min_size=4, max_size=15)


@given(digits, st.sampled_from(["", "-", " "]))
def test_mask_phone_shows_at_most_the_prefix_of_a_mobile_and_the_last_three_digits(number, separator):
    written = separator.join([number[:4], number[4:]]) if separator else number
    masked = mask_phone(written)
    shown = "".join(ch for ch in masked if ch.isdigit())
    assert masked.endswith(number[-3:])
    if len(number) == 10 and number.startswith("09"):
        assert masked == f"{number[:4]}-***-{number[-3:]}"
    else:
        assert shown == number[-3:] and masked.count("*") == len(number) - 3


@given(st.emails())
def test_mask_email_keeps_only_the_first_letter_and_the_domain(email):
    local, _, domain = email.partition("@")
    assert mask_email(email) == f"{local[0]}***@{domain}"


@given(st.text(min_size=1, max_size=60))
def test_mask_address_keeps_only_a_prefix(address):
    masked = mask_address(address)
    assert masked.endswith("○○") and address.startswith(masked[:-2])
    assert len(masked[:-2]) < len(address) or len(address) <= 3


@given(
    name=st.text(alphabet="王陳林李張黃吳劉蔡楊美玲小明志豪", min_size=2, max_size=5),
    phone=st.from_regex(r"09[0-9]{8}", fullmatch=True),
    confidential=st.booleans(),
)
def test_a_viewer_without_need_never_gets_the_full_name_or_phone(name, phone, confidential):
    case = Case(
        petitioner_name=name,
        petitioner_phone=phone,
        petitioner_email="someone@example.tw",
        confidential=confidential,
        assignee_id=99,
        unit_id=99,
    )
    shown = petitioner_view(None, case)
    assert shown["masked"] and shown["name"] != name and phone not in shown["phone"]
    assert "someone" not in shown["email"]
    if confidential:
        assert name[0] not in shown["name"] or shown["name"] == "（身分保密）"
