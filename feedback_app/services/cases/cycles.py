"""Handling cycles: a reopened case starts a new cycle with its own due date; the earlier ones stay recorded.

The rows themselves follow the case (models/cycle.py); this module gives a reopened case its new due date and
reads the cycles for the case page.
"""

from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import Case, CaseCycle, utcnow
from ..calendar import TAIPEI, WorkCalendar, due_date


def renew_due_date(case: Case, moment: datetime | None = None) -> None:
    """A reopened case is due again the case's working days after its reopening (the rule it came in with)."""
    moment = moment or utcnow()
    rule = (case.due_basis or {}).get("rule")
    with db.session.no_autoflush:  # the reopening is flushed once, stamped with its moment (see models/cycle.py)
        calendar = WorkCalendar.around(moment.astimezone(TAIPEI).date())
    due = due_date(moment, case.working_days, rule=rule, calendar=calendar)
    case.due_at = due.due_at
    case.due_basis = {**due.basis(), "reopened": True}


def case_cycles(case: Case) -> list[CaseCycle]:
    """Every handling cycle of the case, first to current."""
    return list(db.session.scalars(
        sa.select(CaseCycle).where(CaseCycle.case_id == case.id).order_by(CaseCycle.number)))
