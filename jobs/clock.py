"""Working days and office hours as the jobs see them: Asia/Taipei, the official calendar, 08:30 by default."""

from bisect import bisect_right
from datetime import date, datetime, time, timedelta

from flask import current_app

from feedback_app.services.calendar import TAIPEI, WorkCalendar


def office_time() -> time:
    """The time of day reminders go out (JOBS_SEND_TIME, HH:MM in Asia/Taipei)."""
    hours, minutes = current_app.config.get("JOBS_SEND_TIME", "08:30").split(":")
    return time(int(hours), int(minutes))


def office_close() -> time:
    hours, minutes = current_app.config.get("JOBS_OFFICE_CLOSE", "17:30").split(":")
    return time(int(hours), int(minutes))


class WorkingDays:
    """Working-day arithmetic over a span of dates, precomputed so 100k cases cost a lookup each."""

    def __init__(self, first: date, last: date):
        self.calendar = WorkCalendar(first.year, last.year)
        self.first, self.last = date(first.year, 1, 1), date(last.year, 12, 31)
        span = (self.last - self.first).days + 1
        self.working = [
            self.first + timedelta(days=i)
            for i in range(span)
            if self.calendar.is_working_day(self.first + timedelta(days=i))
        ]

    @classmethod
    def covering(cls, *days: date) -> "WorkingDays":
        return cls(min(days), max(days) + timedelta(days=366))

    def is_working_day(self, day: date) -> bool:
        return self.calendar.is_working_day(day)

    def count_until(self, day: date) -> int:
        """Working days from the start of the span up to and including `day`."""
        return bisect_right(self.working, day)

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is earlier."""
        return self.count_until(end) - self.count_until(start)

    def add(self, day: date, n: int) -> date:
        """The nth working day after `day` (`day` itself for 0)."""
        return self.working[bisect_right(self.working, day) + n - 1] if n > 0 else day

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        index = bisect_right(self.working, day)
        return self.working[index]


def local_date(moment: datetime) -> date:
    return moment.astimezone(TAIPEI).date()


def next_office_moment(moment: datetime, days: WorkingDays | None = None) -> datetime:
    """`moment` itself if it falls in office hours on a working day, else the next opening time."""
    local = moment.astimezone(TAIPEI)
    days = days or WorkingDays.covering(local.date())
    opening, closing = office_time(), office_close()
    if days.is_working_day(local.date()):
        if local.time() < opening:
            return datetime.combine(local.date(), opening, tzinfo=TAIPEI)
        if local.time() < closing:
            return moment
    return datetime.combine(days.next_working_day(local.date()), opening, tzinfo=TAIPEI)
