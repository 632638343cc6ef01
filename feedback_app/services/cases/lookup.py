"""The petitioner's look-up of their case by number and look-up code, throttled per address, and the turns of
the case as the petitioner is told them."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...models import (
    Case,
    CaseEvent,
    CaseState,
    Extension,
    LoginThrottle,
    utcnow,
)
from ..calendar import TAIPEI
from ..errors import TooManyAttempts
from ..hashing import check_against_nothing
from ..users import record_failure
from .intake import LOOKUP_CODE_HASH, check_lookup_code

# A merged case may itself be merged later; following more links than this means a loop, never a real chain.
MAX_MERGE_HOPS = 10


def surviving_case(case: Case) -> Case | None:
    """The case that carries a merged case on (the case itself when it is not merged); None past a loop."""
    seen = set()
    while case is not None and case.state == CaseState.MERGED and case.merged_into_id is not None:
        if case.id in seen or len(seen) >= MAX_MERGE_HOPS:
            return None
        seen.add(case.id)
        case = db.session.get(Case, case.merged_into_id)
    return case


def lookup_case(number: str | None, code: str | None, remote_addr: str | None) -> Case | None:
    """The case a petitioner may see with its number and lookup code; None when either is wrong.

    The number and code of a merged case lead to the case that carries it on (its number differs from the one
    typed): they are right, so they count against nothing. Wrong codes count against the address
    (LoginThrottle "lookup:<addr>"); while locked, TooManyAttempts."""
    now = utcnow()
    key = f"lookup:{remote_addr or 'unknown'}"
    throttle = db.session.get(LoginThrottle, key)
    if throttle is not None and throttle.locked_until and throttle.locked_until > now:
        raise TooManyAttempts()
    number = (number or "").strip().upper()
    case = db.session.scalar(sa.select(Case).where(Case.number == number)) if number else None
    if case is not None and case.purged_at is None and check_lookup_code(case, code or ""):
        shown = surviving_case(case)
        if shown is not None and shown.purged_at is None:
            return shown
    if case is None:
        # Spend the same time as a real check, so timing does not tell which numbers exist.
        check_against_nothing((code or "").strip().upper(), LOOKUP_CODE_HASH)
    record_failure(key, current_app.config["LOGIN_MAX_FAILURES"], throttle, now)
    db.session.commit()
    return None


@dataclass
class Turn:
    """One turn of a case as the petitioner is told it: what (a key of petitioner_texts' turn:… words), when,
    and the values its words take (dates as ISO strings; a reason as staff wrote it, None for the general one)."""

    kind: str
    at: datetime
    values: dict = field(default_factory=dict)


def _local(value: str | None) -> str | None:
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(TAIPEI).date().isoformat()


def petitioner_turns(case: Case, merged_from: Case | None = None) -> list[Turn]:
    """What the petitioner has been told of the case, oldest first: receipt, extensions, the overdue notice,
    transfer to another agency, their own case merged into this one, reply, closing, reopening. Nothing
    internal: no notes, no staff, no units, no reasons for reopening."""
    events = list(db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id)
                                     .order_by(CaseEvent.id)))
    if merged_from is not None:
        events += list(db.session.scalars(sa.select(CaseEvent).where(
            CaseEvent.case_id == merged_from.id, CaseEvent.action == "merged")))
    extensions = {e.id: e for e in db.session.scalars(sa.select(Extension).where(Extension.case_id == case.id))}
    turns = []
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        after = event.after or {}
        if event.action == "created":
            turns.append(Turn("created", event.at))
        elif event.action == "extension_approved" and after.get("extension_id") in extensions:
            extension = extensions[after["extension_id"]]
            turns.append(Turn("extension", event.at, {"date": _local(after.get("due_at")),
                                                      "reason": extension.reason}))
        elif event.action == "petitioner_told_overdue":
            turns.append(Turn("overdue", event.at, {"date": after.get("expected_date"),
                                                    "reason": after.get("reason")}))
        elif event.action == "transferred" and after.get("transferred_to"):
            turns.append(Turn("transferred", event.at, {"agency": after["transferred_to"],
                                                        "contact": after.get("transferred_contact")}))
        elif event.action == "merged" and merged_from is not None and event.case_id == merged_from.id:
            turns.append(Turn("merged_here", event.at, {"number": merged_from.number}))
        elif event.action in ("replied", "closed", "reopened"):
            turns.append(Turn(event.action, event.at))
    return turns
