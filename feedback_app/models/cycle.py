"""Handling cycles of a case: each receipt or reopening starts one, with its own due date, first reply and end.

The case row holds the case as it is now (its reply, due date and closing date are overwritten by each turn);
a cycle keeps what happened in one turn, so the figures of a past period are counted from the events as they
happened and do not change when the case is reopened or answered again.

The rows follow the case on their own: a listener on every flush opens cycle 1 with a new case, records the
first reply, the closure, a transfer to another agency or a merge in the current cycle, and opens the next
cycle when a replied, closed or transferred case is reopened. Whatever path changes a case (the handling
services, an import, the demo, a test builder), its cycles stay in step.
"""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from .base import UTCDateTime, utcnow
from .case import Case, CaseState


class CycleEnd:
    """How a cycle ended (None while it runs)."""

    CLOSED = "closed"  # 結案, with an outcome
    REOPENED = "reopened"  # reopened after a reply, before any closure
    TRANSFERRED = "transferred"  # 移文 to another agency
    MERGED = "merged"  # merged as a duplicate into another case
    ALL = (CLOSED, REOPENED, TRANSFERRED, MERGED)


class CaseCycle(db.Model):
    __tablename__ = "case_cycles"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "number", name="uq_case_cycles_case_number"),
        sa.Index("ix_case_cycles_due", "due_at"),
        sa.Index("ix_case_cycles_replied", "first_replied_at"),
        sa.Index("ix_case_cycles_closed", "closed_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: so.Mapped[int] = so.mapped_column(sa.SmallInteger)  # 1 for the receipt, 2 after the first reopening…
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    # The due date the cycle is measured against: it follows the case's due date (an extension, a revised
    # calendar) until that date has passed; a later change does not make a late reply on time.
    due_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    first_replied_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    outcome: so.Mapped[str | None] = so.mapped_column(sa.String(24))
    ended_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    ended_by: so.Mapped[str | None] = so.mapped_column(sa.String(16))

    case = so.relationship(Case)


# A reopening: the case leaves one of these states for RECEIVED or REOPENED.
REOPENABLE = (CaseState.REPLIED, CaseState.CLOSED, CaseState.TRANSFERRED)
TRACKED = ("state", "replied_at", "closed_at", "due_at", "outcome")


def _first_cycle(case: Case) -> CaseCycle:
    """Cycle 1 of a case as it is written (a case stored closed without a reply time, as an import or a test
    builder may write it, was replied by its closure at the latest; the migration reads old rows so too)."""
    replied = case.replied_at or (case.closed_at if case.state == CaseState.CLOSED else None)
    cycle = CaseCycle(case=case, number=1, started_at=case.received_at, due_at=case.due_at, first_replied_at=replied)
    _record_end(cycle, case, case.closed_at or case.updated_at or case.received_at)
    return cycle


def _record_end(cycle: CaseCycle, case: Case, moment: datetime) -> None:
    """The closure, transfer or merge of the case, in its current cycle (once)."""
    if case.replied_at is not None and cycle.first_replied_at is None and case.replied_at >= cycle.started_at:
        cycle.first_replied_at = case.replied_at
    if cycle.ended_by is not None:
        return
    if case.state == CaseState.CLOSED and case.closed_at is not None:
        cycle.closed_at, cycle.outcome = case.closed_at, case.outcome
        cycle.ended_at, cycle.ended_by = case.closed_at, CycleEnd.CLOSED
    elif case.state == CaseState.TRANSFERRED:
        cycle.ended_at, cycle.ended_by = moment, CycleEnd.TRANSFERRED
    elif case.state == CaseState.MERGED:
        cycle.ended_at, cycle.ended_by = case.closed_at or moment, CycleEnd.MERGED


def _changed(case: Case, name: str) -> bool:
    return so.attributes.get_history(case, name).has_changes()


def _old(case: Case, name: str):
    deleted = so.attributes.get_history(case, name).deleted
    return deleted[0] if deleted else getattr(case, name)


def current_cycle(session: so.Session, case_id: int) -> CaseCycle | None:
    with session.no_autoflush:
        return session.scalar(
            sa.select(CaseCycle).where(CaseCycle.case_id == case_id).order_by(CaseCycle.number.desc()).limit(1)
        )


def _follow(session: so.Session, case: Case) -> None:
    """Bring the current cycle in step with a changed case; open the next one on a reopening."""
    # The moment of the change: the handling services stamp updated_at (under the clock they see).
    moment = case.updated_at if _changed(case, "updated_at") and case.updated_at is not None else None
    cycle = current_cycle(session, case.id)
    if cycle is None:  # a case from before the cycles, not migrated: start its record now
        session.add(_first_cycle(case))
        return
    old_state = _old(case, "state")
    if _changed(case, "state") and old_state in REOPENABLE and case.state in (CaseState.RECEIVED,
                                                                            CaseState.REOPENED):
        at = moment or utcnow()
        if cycle.ended_by is None:
            cycle.ended_at, cycle.ended_by = at, CycleEnd.REOPENED
        session.add(CaseCycle(case_id=case.id, number=cycle.number + 1, started_at=at, due_at=case.due_at))
        return
    if (_changed(case, "due_at") and cycle.ended_by is None and cycle.first_replied_at is None
            and (moment is None or moment <= cycle.due_at)):
        cycle.due_at = case.due_at
    _record_end(cycle, case, moment or utcnow())


@sa.event.listens_for(so.Session, "before_flush")
def _keep_cycles(session: so.Session, _context, _instances) -> None:
    for obj in list(session.new):
        if isinstance(obj, Case):
            session.add(_first_cycle(obj))
    for obj in list(session.dirty):
        if isinstance(obj, Case) and obj not in session.deleted and any(_changed(obj, n) for n in TRACKED):
            _follow(session, obj)
