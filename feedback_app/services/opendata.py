"""資料開放: satisfaction per office and month, aggregated and de-identified for anyone to download.

Only counts leave: no rating, no free text, no personal data; a cell with fewer than SUPPRESS_BELOW
valid answers is published without its figures, so no small group of citizens can be singled out.

Anyone may ask, so the figures come from the roll-ups alone (as of the roll-up job's last run, every few
minutes), never from the ratings: the cost of an answer does not grow with the ratings stored.
"""

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import City, Office, Question, utcnow
from . import spreadsheet
from .analytics import CHANNEL_GROUPS
from .rollups import Filters, score_counts
from .stats import Period

SUPPRESS_BELOW = 5
MAX_MONTHS = 36
FIELDS = (
    "city",
    "office_code",
    "office_name",
    "month",
    "channel",
    "answers",
    "satisfied",
    "satisfaction_rate",
    "suppressed",
)


def default_span(now: datetime | None = None) -> tuple[Period, Period]:
    """The last twelve complete months."""
    last = Period.containing(now or utcnow(), "month").previous()
    return last.trailing(12)[0], last


def satisfaction_rows(first: Period, last: Period) -> list[dict]:
    """One row per office, month and channel group (kiosk, QR) with answers, satisfied and the rate."""
    if first.kind != "month" or last.kind != "month" or first.ym_range[0] > last.ym_range[0]:
        raise ValueError("the span must run from one month to a later one")
    months = (last.year - first.year) * 12 + last.index - first.index + 1
    if months > MAX_MONTHS:
        raise ValueError(f"at most {MAX_MONTHS} months at a time")
    offices = {o.id: o for o in db.session.scalars(sa.select(Office).join(City))}
    questions = list(
        db.session.scalars(
            sa.select(Question.id).where(Question.code == "overall", Question.kind == "scale5")
        )
    )
    group_of = {channel: group for group, channels in CHANNEL_GROUPS.items() for channel in channels}
    cells = score_counts(
        Filters(office_ids=list(offices), question_ids=questions, channels=tuple(group_of)),
        first.ym_range[0],
        last.ym_range[1],
        ("ym", "office_id", "channel"),
        unfolded=False,
    )
    merged: dict[tuple, list[int]] = {}
    for (ym, office_id, channel), counts in cells.items():
        slot = merged.setdefault((ym, office_id, group_of[channel]), [0, 0])
        slot[0] += counts.n
        slot[1] += counts.satisfied
    rows = []
    for (ym, office_id, group), (n, satisfied) in sorted(
        merged.items(), key=lambda kv: (offices[kv[0][1]].code, kv[0][0], kv[0][2])
    ):
        office = offices[office_id]
        small = n < SUPPRESS_BELOW
        rows.append(
            {
                "city": office.city.code,
                "office_code": office.code,
                "office_name": office.name,
                "month": f"{ym // 100}-{ym % 100:02d}",
                "channel": group,
                "answers": None if small else n,
                "satisfied": None if small else satisfied,
                "satisfaction_rate": None if small or not n else round(satisfied / n, 4),
                "suppressed": small,
            }
        )
    return rows


def rows_csv(rows: list[dict]) -> bytes:
    """The rows as CSV: UTF-8 with BOM, a header line, empty cells where figures are suppressed."""
    return spreadsheet.csv_bytes([FIELDS, *([row[k] for k in FIELDS] for row in rows)])
