"""意見回應 as the plans measure it: the reply meets the due date; closure is counted beside it.

Every figure is counted from handling cycles (models/cycle.py), each event at the time it happened, so a period
that has ended keeps its figures when a case is later reopened, answered again or extended:

- 如期回應率 (on-time reply rate): cycles replied by their due date ÷ cycles whose due date fell in the period (up to
  now). A cycle with no reply by its due date counts as late, still open or not; one transferred to another agency
  or merged into another case before its due date, without a reply of its own, is not counted.
- 如期結案率 (on-time closure rate): cycles closed by their due date ÷ cycles closed in the period.
- Working days to reply / to close: from the cycle's start (receipt or reopening) to its first reply / closure,
  office calendar working days, for the cycles replied / closed in the period.
- Extension rate: cycles due in the period whose due date was extended before it passed ÷ cycles due.
- Re-handling rate: replies rated in the period that were sent back for re-handling ÷ replies rated.
- Reply satisfaction: ratings of replies in the period (top-2-box).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Case, CaseCycle, CycleEnd, Extension
from . import stats
from .calendar import TAIPEI, WorkCalendar
from .stats import Period, ScoreCounts


@dataclass
class CycleRow:
    """One handling cycle with the case attributes the breakdowns group by."""

    case_id: int
    number: int
    started_at: datetime
    due_at: datetime
    first_replied_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    ended_at: datetime | None
    ended_by: str | None
    channel: str
    category_id: int | None
    unit_id: int | None

    @property
    def counted(self) -> bool:
        """Whether the cycle's due date asked this office for a reply: not when the case left it (transfer or
        merge) before the due date without a reply of its own."""
        left = self.ended_by in (CycleEnd.TRANSFERRED, CycleEnd.MERGED) and self.ended_at is not None
        return not (left and self.ended_at <= self.due_at
                    and (self.first_replied_at is None or self.first_replied_at > self.ended_at))

    @property
    def replied_on_time(self) -> bool:
        return self.first_replied_at is not None and self.first_replied_at <= self.due_at


def cycle_rows(office_ids: list[int], unit_id: int | None, start: datetime, end: datetime) -> list[CycleRow]:
    """The cycles of the offices whose due date, first reply or closure falls between start and end."""
    if not office_ids:
        return []

    def within(column):
        return sa.and_(column >= start, column < end)

    stmt = (
        sa.select(CaseCycle.case_id, CaseCycle.number, CaseCycle.started_at, CaseCycle.due_at,
                  CaseCycle.first_replied_at, CaseCycle.closed_at, CaseCycle.outcome, CaseCycle.ended_at,
                  CaseCycle.ended_by,
                  Case.channel, Case.category_id, Case.unit_id)
        .join(Case, Case.id == CaseCycle.case_id)
        .where(Case.office_id.in_(office_ids),
               sa.or_(within(CaseCycle.due_at), within(CaseCycle.first_replied_at), within(CaseCycle.closed_at)))
    )
    if unit_id:
        stmt = stmt.where(Case.unit_id == unit_id)
    return [CycleRow(*row) for row in db.session.execute(stmt)]


def extended_cycles(cycles: list[CycleRow]) -> set[tuple[int, int]]:
    """(case id, cycle number) of the cycles whose due date was extended while it ran, before it passed."""
    ids = list({c.case_id for c in cycles})
    if not ids:
        return set()
    decided: dict[int, list[datetime]] = {}
    for case_id, at in db.session.execute(
        sa.select(Extension.case_id, Extension.decided_at).where(
            Extension.case_id.in_(ids), Extension.state == "approved", Extension.decided_at.is_not(None))
    ):
        decided.setdefault(case_id, []).append(at)
    return {
        (c.case_id, c.number) for c in cycles
        if any(c.started_at <= at <= c.due_at for at in decided.get(c.case_id, ()))
    }


def calendar_for(cycles: Iterable[CycleRow], first: datetime, last: datetime) -> WorkCalendar:
    """An office calendar spanning every cycle's start and the periods counted."""
    years = [first.astimezone(TAIPEI).year, last.astimezone(TAIPEI).year]
    years += [c.started_at.astimezone(TAIPEI).year for c in cycles]
    return WorkCalendar(min(years) - 1, max(years) + 1)


def _working_days(calendar: WorkCalendar, start: datetime, end: datetime) -> int:
    return calendar.working_days_between(start.astimezone(TAIPEI).date(), end.astimezone(TAIPEI).date())


def case_block(cases: list[Case], cycles: list[CycleRow], period: Period, now: datetime, calendar: WorkCalendar,
               extended: set[tuple[int, int]], rehandled: set[int]) -> dict:
    """The 意見回應 figures of one period (as of `now`) for the given cases and their cycles."""
    start, end = period.start_utc, period.end_utc
    due_end = min(end, now)
    received = [c for c in cases if start <= c.received_at < end]
    due = [c for c in cycles if start <= c.due_at < due_end and c.counted]
    on_time = [c for c in due if c.replied_on_time]
    replied = [c for c in cycles if c.first_replied_at is not None and start <= c.first_replied_at < end]
    closed = [c for c in cycles if c.closed_at is not None and start <= c.closed_at < end]
    closed_on_time = [c for c in closed if c.closed_at <= c.due_at]
    reply_days = [_working_days(calendar, c.started_at, c.first_replied_at) for c in replied]
    close_days = [_working_days(calendar, c.started_at, c.closed_at) for c in closed]
    rated_counts, rated_ids = ScoreCounts(), []
    for c in cases:
        if c.reply_score and c.reply_rated_at and start <= c.reply_rated_at < end:
            rated_counts.counts[c.reply_score - 1] += 1
            rated_ids.append(c.id)
    extended_due = sum(1 for c in due if (c.case_id, c.number) in extended)
    rehandled_n = sum(1 for i in rated_ids if i in rehandled)
    return {
        "received": len(received),
        # 如期回應率
        "due": len(due),
        "reply_on_time": len(on_time),
        "reply_late": len(due) - len(on_time),
        "reply_on_time_rate": stats.ratio(len(on_time), len(due)),
        "reply_on_time_interval": stats.wilson_interval(len(on_time), len(due)),
        "reply_on_time_too_few": len(due) < stats.MIN_SAMPLE,
        "replied": len(replied),
        "reply_mean_days": stats.mean(reply_days),
        "reply_median_days": stats.median(reply_days),
        # 如期結案率, beside it
        "closed": len(closed),
        "on_time": len(closed_on_time),
        "on_time_rate": stats.ratio(len(closed_on_time), len(closed)),
        "on_time_interval": stats.wilson_interval(len(closed_on_time), len(closed)),
        "on_time_too_few": len(closed) < stats.MIN_SAMPLE,
        "mean_days": stats.mean(close_days),
        "median_days": stats.median(close_days),
        "extended": extended_due,
        "extension_rate": stats.ratio(extended_due, len(due)),
        "extension_too_few": len(due) < stats.MIN_SAMPLE,
        "rated": len(rated_ids),
        "rehandled": rehandled_n,
        "rehandling_rate": stats.ratio(rehandled_n, len(rated_ids)),
        "rehandling_too_few": len(rated_ids) < stats.MIN_SAMPLE,
        "reply": stats.satisfaction(rated_counts),
    }
