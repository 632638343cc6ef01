"""Working days from the official office calendar (政府行政機關辦公日曆表).

The `holidays` package's Taiwan calendar is the base; calendars an admin imports override it day by day.
Make-up Saturdays (補行上班) are working days; holidays and 補假 are not.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import CalendarDay, CalendarImport
from .errors import ValidationFailed

TAIPEI = ZoneInfo("Asia/Taipei")
HEADER = ("西元日期", "星期", "是否放假", "備註")
OFF_FLAG = "2"
WORKING_FLAG = "0"


@dataclass
class CalendarRow:
    day: date
    is_off: bool
    note: str


@dataclass
class ParsedCalendar:
    year: int
    rows: list[CalendarRow]
    encoding: str


def decode_calendar(data: bytes) -> tuple[str, str]:
    """The text of an uploaded CSV file (a published calendar, a dispatch list): UTF-8 (with or without BOM) or
    Big5, without NUL, which no field may hold (PostgreSQL cannot store it)."""
    for encoding in ("utf-8-sig", "cp950", "big5hkscs"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise ValidationFailed(
                _l("The file holds a NUL character, which no text may hold; save it again as CSV text."),
                code="nul_character",
            )
        return text, encoding
    raise ValidationFailed(_l("The file is neither UTF-8 nor Big5 text."), code="bad_encoding")


def parse_calendar(data: bytes) -> ParsedCalendar:
    """Parse and check one year of the official calendar CSV; any bad row refuses the whole file."""
    text, encoding = decode_calendar(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip() for cell in next(reader, [])]
    if tuple(header[:3]) != HEADER[:3]:
        raise ValidationFailed(
            _l("The first line must be the columns 西元日期,星期,是否放假,備註."), code="bad_header"
        )
    rows: list[CalendarRow] = []
    errors: dict[str, str] = {}
    for line_no, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cells = [cell.strip() for cell in cells] + [""] * 4
        try:
            day = datetime.strptime(cells[0], "%Y%m%d").date()
        except ValueError:
            errors[f"line {line_no}"] = str(_l("%(value)s is not a date (YYYYMMDD).", value=cells[0]))
            continue
        if cells[2] not in (OFF_FLAG, WORKING_FLAG):
            errors[f"line {line_no}"] = str(_l("是否放假 must be 0 or 2, not %(value)s.", value=cells[2]))
            continue
        rows.append(CalendarRow(day, cells[2] == OFF_FLAG, cells[3]))
    if errors:
        raise ValidationFailed(_l("The calendar has bad rows; nothing was imported."), details=errors)
    years = {row.day.year for row in rows}
    if len(years) != 1:
        raise ValidationFailed(_l("A calendar file must hold exactly one year."), code="bad_year")
    year = years.pop()
    days = {row.day for row in rows}
    expected = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    if len(days) != len(rows) or len(days) != expected:
        raise ValidationFailed(
            _l("The calendar of %(year)d must list each of its %(n)d days once.", year=year, n=expected),
            code="incomplete_year",
        )
    return ParsedCalendar(year, sorted(rows, key=lambda r: r.day), encoding)


def import_calendar(data: bytes, source_name: str, imported_by: str | None = None) -> CalendarImport:
    """Replace a year's days with an imported calendar; the import becomes that year's version."""
    parsed = parse_calendar(data)
    record = CalendarImport(
        year=parsed.year,
        source_name=source_name,
        sha256=hashlib.sha256(data).hexdigest(),
        days=len(parsed.rows),
        imported_by=imported_by,
    )
    db.session.add(record)
    db.session.flush()
    db.session.execute(
        sa.delete(CalendarDay).where(
            CalendarDay.day >= date(parsed.year, 1, 1), CalendarDay.day <= date(parsed.year, 12, 31)
        )
    )
    db.session.execute(
        sa.insert(CalendarDay),
        [{"day": r.day, "is_off": r.is_off, "note": r.note or None, "import_id": record.id} for r in parsed.rows],
    )
    db.session.flush()
    return record


@dataclass
class DueDate:
    """A due date and how it was reached, as staff are shown it."""

    due_at: datetime
    due_date: date
    working_days: int
    received_date: date
    skipped: list[dict] = field(default_factory=list)
    calendar_versions: dict[str, int | str] = field(default_factory=dict)
    rule: str | None = None

    def basis(self) -> dict:
        return {
            "rule": self.rule,
            "working_days": self.working_days,
            "received_date": self.received_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "calendar_versions": self.calendar_versions,
            "skipped": self.skipped,
        }


class WorkCalendar:
    """Working days over a span of years, read once from the database."""

    def __init__(self, first_year: int, last_year: int):
        self.years = range(first_year, last_year + 1)
        self.base = holidays.country_holidays("TW", years=list(self.years), language="zh_TW")
        rows = db.session.execute(
            sa.select(CalendarDay.day, CalendarDay.is_off, CalendarDay.note, CalendarDay.import_id).where(
                CalendarDay.day >= date(first_year, 1, 1), CalendarDay.day <= date(last_year, 12, 31)
            )
        )
        self.official = {day: (is_off, note, import_id) for day, is_off, note, import_id in rows}

    @classmethod
    def around(cls, day: date, years_after: int = 1) -> "WorkCalendar":
        return cls(day.year, day.year + years_after)

    def version(self, year: int) -> int | str:
        """The calendar import that governs a year, or the fallback of the holidays package."""
        ids = {import_id for day, (_, _, import_id) in self.official.items() if day.year == year}
        return max(ids) if ids else f"holidays-{holidays.__version__}"

    def day_info(self, day: date) -> tuple[bool, str]:
        """(is working day, why not) for one date."""
        if day in self.official:
            is_off, note, _ = self.official[day]
            if is_off:
                return False, note or ("週末" if day.weekday() >= 5 else "放假")
            return True, note or ""
        if day.year not in self.years:
            raise ValueError(f"{day} is outside the calendar span {self.years}")
        if self.base.is_working_day(day):
            return True, ""
        return False, self.base.get(day) or "週末"

    def is_working_day(self, day: date) -> bool:
        return self.day_info(day)[0]

    def add_working_days(self, start: date, n: int) -> tuple[date, list[dict]]:
        """The Nth working day after `start` (day 1 is the first working day after it)."""
        if n < 0:
            raise ValueError("working days cannot be negative")
        day, counted, skipped = start, 0, []
        while counted < n:
            day += timedelta(days=1)
            working, why = self.day_info(day)
            if working:
                counted += 1
            else:
                skipped.append({"date": day.isoformat(), "reason": why})
        return day, skipped

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        return self.add_working_days(day, 1)[0]

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when end is before start)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for i in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=i)))


def office_time() -> time:
    """The time of day the offices open and messages go out (JOBS_SEND_TIME, HH:MM in Asia/Taipei)."""
    hours, minutes = current_app.config.get("JOBS_SEND_TIME", "08:30").split(":")
    return time(int(hours), int(minutes))


def office_close() -> time:
    hours, minutes = current_app.config.get("JOBS_OFFICE_CLOSE", "17:30").split(":")
    return time(int(hours), int(minutes))


def next_office_moment(moment: datetime, days=None) -> datetime:
    """`moment` itself if it falls in office hours on a working day, else the next opening time.

    `days` answers is_working_day and next_working_day (a WorkCalendar, or the jobs' WorkingDays) around
    `moment`; by default the calendar of its year and the next."""
    local = moment.astimezone(TAIPEI)
    days = days or WorkCalendar.around(local.date())
    opening, closing = office_time(), office_close()
    if days.is_working_day(local.date()):
        if local.time() < opening:
            return datetime.combine(local.date(), opening, tzinfo=TAIPEI)
        if local.time() < closing:
            return moment
    return datetime.combine(days.next_working_day(local.date()), opening, tzinfo=TAIPEI)


def end_of_day(day: date, tz: ZoneInfo = TAIPEI) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def due_date(received_at: datetime, working_days: int, rule: str | None = None,
             calendar: WorkCalendar | None = None) -> DueDate:
    """Due at the end of working day N after the day of receipt, in Asia/Taipei."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be an aware datetime")
    received = received_at.astimezone(TAIPEI).date()
    calendar = calendar or WorkCalendar.around(received)
    day, skipped = calendar.add_working_days(received, working_days)
    versions = {str(y): calendar.version(y) for y in range(received.year, day.year + 1)}
    return DueDate(
        due_at=end_of_day(day),
        due_date=day,
        working_days=working_days,
        received_date=received,
        skipped=skipped,
        calendar_versions=versions,
        rule=rule,
    )
