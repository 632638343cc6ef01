"""Working days as the jobs see them: Asia/Taipei, the official calendar, precomputed for a whole run.

The office-hours rule itself (08:30 by default) lives with the calendar in feedback_app.services.calendar, since
the case services hold petitioner mail to it too; the jobs pass it a WorkingDays table to save the lookups."""

from bisect import bisect_right
from datetime import date, datetime, timedelta

from feedback_app.services.calendar import TAIPEI, WorkCalendar


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
