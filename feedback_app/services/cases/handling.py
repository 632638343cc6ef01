"""Handling a case: 分案, 函復, 展期, 結案, reopening, 會辦/移文, merging and linking."""

from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    Case,
    CaseLink,
    CaseNote,
    CaseOutcome,
    CaseState,
    Extension,
    ReplyTemplate,
    Role,
    Unit,
    User,
    utcnow,
)
from ...models.case import PUBLIC_SUMMARY_MAX
from .. import notify
from ..access import can_access_office, ensure_access
from ..calendar import TAIPEI, WorkCalendar, end_of_day
from ..errors import ValidationFailed
from .cycles import renew_due_date
from .permissions import can_decide_extension, may
from .petitioner import tell_extension, tell_merge, tell_reply, tell_transfer
from .workflow import WORKABLE, begin, invalid_transition, record_event, refuse_unless, required_text, touch, utc_iso


def assign_case(case: Case, actor: User, version, unit_id: int | None, assignee_id: int | None) -> Case:
    """分案: a monitor, supervisor or director gives the case a unit and a case officer of that unit."""
    begin(case, actor, version, "assign")
    refuse_unless(may("assign", actor, case))
    errors = {}
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or unit.office_id != case.office_id:
        errors["unit_id"] = str(_l("Choose a unit of the case's office."))
    officer = db.session.get(User, assignee_id) if assignee_id else None
    if officer is None or not officer.active or officer.role not in (Role.OFFICER, Role.SUPERVISOR):
        errors["assignee_id"] = str(_l("Choose a case officer."))
    elif unit is not None and (officer.office_id != case.office_id or officer.unit_id != unit.id):
        errors["assignee_id"] = str(_l("The case officer must belong to the chosen unit and office."))
    if errors:
        raise ValidationFailed(details=errors)
    before = {"state": case.state, "unit_id": case.unit_id, "assignee_id": case.assignee_id}
    case.unit_id, case.assignee_id = unit.id, officer.id
    case.state = CaseState.ASSIGNED
    case.assigned_at = utcnow()
    touch(case)
    record_event(case, actor, "assigned", before,
                 {"state": case.state, "unit_id": unit.id, "assignee_id": officer.id})
    return case


def start_work(case: Case, actor: User, version) -> Case:
    """The case officer starts handling an assigned (or reopened) case."""
    begin(case, actor, version, "start")
    refuse_unless(may("start", actor, case))
    before = {"state": case.state}
    case.state = CaseState.IN_PROGRESS
    touch(case)
    record_event(case, actor, "started", before, {"state": case.state})
    return case


def add_note(case: Case, actor: User, version, body: str | None) -> CaseNote:
    """An internal note for staff; never shown to the petitioner.

    Notes are only ever appended and change nothing of the case, so the version the author saw is not checked
    and the case's version does not move: two people writing notes at once both keep theirs, and a note refuses
    no one else's form."""
    ensure_access(actor, case)
    text = required_text(body, "body", _l("Write the note."))
    note = CaseNote(case_id=case.id, author_id=actor.id, body=text, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    record_event(case, actor, "note_added", None, {"note_id": note.id})
    return note


def templates_for(case: Case) -> list[ReplyTemplate]:
    """Reply templates for the case's category (and general ones) of its city and office."""
    stmt = sa.select(ReplyTemplate).where(
        ReplyTemplate.city_id == case.city_id,
        sa.or_(ReplyTemplate.office_id.is_(None), ReplyTemplate.office_id == case.office_id),
        sa.or_(ReplyTemplate.category_id.is_(None), ReplyTemplate.category_id == case.category_id),
    ).order_by(ReplyTemplate.category_id.is_(None), ReplyTemplate.title)
    return list(db.session.scalars(stmt))


def reply_case(
    case: Case, actor: User, version, reply: str | None, public_summary: str | None = None
) -> Case:
    """函復: the answer to the petitioner; emailed when they gave an address.

    `public_summary` says what the reply came to for anyone to read (Open311 status_notes); a new reply
    without one clears the summary of an earlier reply."""
    begin(case, actor, version, "reply")
    refuse_unless(may("reply", actor, case))
    text = required_text(reply, "reply", _l("Write the reply to the petitioner."))
    summary = (public_summary or "").strip() or None
    if summary is not None and len(summary) > PUBLIC_SUMMARY_MAX:
        message = _l("The public summary is limited to %(n)d characters.", n=PUBLIC_SUMMARY_MAX)
        raise ValidationFailed(details={"public_summary": str(message)})
    before = {"state": case.state, "reply": case.reply, "public_summary": case.public_summary}
    case.reply, case.replied_at, case.state = text, utcnow(), CaseState.REPLIED
    case.public_summary = summary
    touch(case)
    event = record_event(
        case, actor, "replied", before, {"state": case.state, "reply": text, "public_summary": summary}
    )
    db.session.flush()
    tell_reply(case, event.id)
    return case


def max_working_days() -> int:
    return int(current_app.config.get("CASE_MAX_WORKING_DAYS", 30))


def request_extension(case: Case, actor: User, version, reason: str | None, new_date: date | None
                      ) -> Extension:
    """展期: the case officer asks for a later due date; past the cap of working days the director decides."""
    begin(case, actor, version, "extension")
    refuse_unless(may("extension", actor, case))
    text = required_text(reason, "reason", _l("Give the reason for the extension."))
    current = case.due_at.astimezone(TAIPEI).date()
    if new_date is None:
        raise ValidationFailed(details={"new_date": str(_l("Choose the new due date."))})
    if new_date <= current:
        message = str(_l("The new due date must be later than the current one."))
        raise ValidationFailed(details={"new_date": message})
    if any(e.state == "pending" for e in case.extensions):
        raise ValidationFailed(_l("An extension is already waiting for a decision."),
                               code="extension_pending")
    received = case.received_at.astimezone(TAIPEI).date()
    calendar = WorkCalendar(received.year, new_date.year)
    if not calendar.is_working_day(new_date):
        raise ValidationFailed(details={"new_date": str(_l("The new due date must be a working day."))})
    total = calendar.working_days_between(received, new_date)
    extension = Extension(case_id=case.id, requested_by_id=actor.id, requested_at=utcnow(), reason=text,
                          old_due_at=case.due_at, new_due_at=end_of_day(new_date),
                          needs_director=total > max_working_days(), state="pending")
    db.session.add(extension)
    touch(case)
    record_event(case, actor, "extension_requested", {"due_at": utc_iso(case.due_at)},
                 {"new_due_at": utc_iso(extension.new_due_at), "working_days": total,
                  "needs_director": extension.needs_director, "extension_id": extension.id}, note=text)
    return extension


def decide_extension(extension: Extension, actor: User, version, approve: bool, note: str | None = None
                     ) -> Extension:
    """Approve (the due date moves, the petitioner is told why) or reject a pending extension."""
    case = extension.case
    begin(case, actor, version, None)
    refuse_unless(can_decide_extension(actor, extension))
    if extension.state != "pending":
        raise ValidationFailed(_l("This extension has been decided already."), code="already_decided")
    if approve and case.state not in WORKABLE:
        raise invalid_transition(case, "extension")
    extension.state = "approved" if approve else "rejected"
    extension.decided_by_id, extension.decided_at = actor.id, utcnow()
    extension.decision_note = (note or "").strip() or None
    before = {"due_at": utc_iso(case.due_at)}
    if approve:
        case.due_at = extension.new_due_at
        case.due_basis = {**(case.due_basis or {}), "extension": {
            "id": extension.id, "reason": extension.reason,
            "due_date": extension.new_due_at.astimezone(TAIPEI).date().isoformat(),
            "approved_by": actor.id, "needs_director": extension.needs_director}}
    touch(case)
    record_event(case, actor, "extension_approved" if approve else "extension_rejected", before,
                 {"due_at": utc_iso(case.due_at), "extension_id": extension.id}, note=extension.decision_note)
    if approve:
        tell_extension(case, extension)
    _tell_requester(case, extension)
    return extension


def _tell_requester(case: Case, extension: Extension) -> None:
    """The officer who asked for more time finds the decision and its note on their landing page."""
    if extension.requested_by_id == extension.decided_by_id:
        return
    if extension.state == "approved":
        subject = _l("Extension approved: case %(number)s", number=case.number)
    else:
        subject = _l("Extension refused: case %(number)s", number=case.number)
    notify.queue(key=f"case:{case.id}:extension:{extension.id}:decided", channel="inapp", kind="extension_decided",
                 subject=str(subject), body=extension.decision_note or str(subject),
                 user_id=extension.requested_by_id, office_id=case.office_id, case_id=case.id)


def close_case(case: Case, actor: User, version, outcome: str | None) -> Case:
    """結案: a replied case closes with an outcome."""
    begin(case, actor, version, "close")
    refuse_unless(may("close", actor, case))
    if outcome not in CaseOutcome.ALL:
        raise ValidationFailed(details={"outcome": str(_l("Choose an outcome."))})
    if not case.reply:
        raise ValidationFailed(details={"reply": str(_l("A case needs a reply before it is closed."))})
    before = {"state": case.state, "outcome": case.outcome}
    case.state, case.outcome, case.closed_at = CaseState.CLOSED, outcome, utcnow()
    touch(case)
    record_event(case, actor, "closed", before, {"state": case.state, "outcome": outcome})
    return case


def reopen_case(case: Case, actor: User, version, reason: str | None) -> Case:
    """A replied, closed or transferred case is taken up again, with the reason."""
    begin(case, actor, version, "reopen")
    refuse_unless(may("reopen", actor, case))
    text = required_text(reason, "reason", _l("Give the reason for reopening."))
    before = {"state": case.state, "outcome": case.outcome, "closed_at": utc_iso(case.closed_at),
              "transferred_to": case.transferred_to}
    case.state = CaseState.REOPENED if case.assignee_id else CaseState.RECEIVED
    case.outcome = case.closed_at = case.transferred_to = case.transferred_contact = None
    before["due_at"] = utc_iso(case.due_at)
    renew_due_date(case, utcnow())  # a new handling cycle: the earlier reply and closure stay in case_cycles
    touch(case)
    record_event(case, actor, "reopened", before, {"state": case.state, "due_at": utc_iso(case.due_at)}, note=text)
    return case


def transfer_case(case: Case, actor: User, version, reason: str | None, unit_id: int | None = None,
                  agency: str | None = None, contact: str | None = None) -> Case:
    """會辦 / 移文: to another unit of the office (assigned anew) or to another agency, with the reason.

    A petitioner whose case goes to another agency is told its name and `contact` (its phone, address ...)."""
    begin(case, actor, version, "transfer")
    refuse_unless(may("transfer", actor, case))
    text = required_text(reason, "reason", _l("Give the reason for the transfer."))
    agency = (agency or "").strip()
    contact = (contact or "").strip() or None
    if bool(unit_id) == bool(agency):
        raise ValidationFailed(details={"unit_id": str(_l("Choose either another unit or another agency."))})
    if contact and not agency:
        raise ValidationFailed(details={"contact": str(_l("A contact goes with a transfer to another agency."))})
    if contact and len(contact) > 200:
        raise ValidationFailed(details={"contact": str(_l("The agency's contact is limited to 200 characters."))})
    before = {"state": case.state, "unit_id": case.unit_id, "assignee_id": case.assignee_id,
              "transferred_to": case.transferred_to}
    if unit_id:
        unit = db.session.get(Unit, unit_id)
        if unit is None or unit.office_id != case.office_id or unit.id == case.unit_id:
            raise ValidationFailed(details={"unit_id": str(_l("Choose another unit of the case's office."))})
        case.unit_id, case.assignee_id, case.state = unit.id, None, CaseState.RECEIVED
    else:
        if len(agency) > 200:
            message = str(_l("The agency name is limited to 200 characters."))
            raise ValidationFailed(details={"agency": message})
        case.transferred_to, case.transferred_contact, case.state = agency, contact, CaseState.TRANSFERRED
    touch(case)
    after = {"state": case.state, "unit_id": case.unit_id, "assignee_id": case.assignee_id,
             "transferred_to": case.transferred_to}
    if case.transferred_to:
        after["transferred_contact"] = case.transferred_contact
    event = record_event(case, actor, "transferred", before, after, note=text)
    if case.transferred_to:
        db.session.flush()
        tell_transfer(case, event.id)
    return case


def _other_case(case: Case, actor: User, number: str | None, field: str) -> Case:
    number = (number or "").strip()
    other = db.session.scalar(sa.select(Case).where(Case.number == number)) if number else None
    if other is None or other.city_id != case.city_id or not can_access_office(actor, other.office_id):
        raise ValidationFailed(details={field: str(_l("No case with that number that you may see."))})
    if other.id == case.id:
        raise ValidationFailed(details={field: str(_l("A case cannot be linked to itself."))})
    return other


def merge_case(case: Case, actor: User, version, into_number: str | None) -> Case:
    """A duplicate is merged into the case that carries on: linked, marked merged, never deleted."""
    begin(case, actor, version, "merge")
    refuse_unless(may("merge", actor, case))
    target = _other_case(case, actor, into_number, "into_number")
    if target.state == CaseState.MERGED:
        raise ValidationFailed(details={"into_number": str(_l("That case is itself merged into another."))})
    _link(case, target, "duplicate")
    before = {"state": case.state, "merged_into_id": case.merged_into_id}
    case.state, case.merged_into_id = CaseState.MERGED, target.id
    touch(case)
    record_event(case, actor, "merged", before, {"state": case.state, "merged_into": target.number})
    tell_merge(case, target)
    return case


def _link(case: Case, other: Case, kind: str) -> None:
    exists = db.session.scalar(sa.select(CaseLink.id).where(
        CaseLink.case_id == case.id, CaseLink.related_case_id == other.id))
    if exists:
        raise ValidationFailed(details={"number": str(_l("The cases are linked already."))})
    db.session.add(CaseLink(case_id=case.id, related_case_id=other.id, kind=kind))


def link_cases(case: Case, actor: User, version, number: str | None) -> CaseLink:
    """Related cases are linked both ways."""
    begin(case, actor, version, None)
    other = _other_case(case, actor, number, "number")
    _link(case, other, "related")
    if not db.session.scalar(sa.select(CaseLink.id).where(
            CaseLink.case_id == other.id, CaseLink.related_case_id == case.id)):
        db.session.add(CaseLink(case_id=other.id, related_case_id=case.id, kind="related"))
    touch(case)
    record_event(case, actor, "linked", None, {"related": other.number})
    return case


def related_cases(case: Case) -> list[tuple[str, Case]]:
    rows = db.session.execute(sa.select(CaseLink.kind, Case).join(Case, Case.id == CaseLink.related_case_id)
                              .where(CaseLink.case_id == case.id).order_by(CaseLink.id))
    linked = [(kind, other) for kind, other in rows]
    duplicates = db.session.scalars(sa.select(Case).where(Case.merged_into_id == case.id).order_by(Case.id))
    return linked + [("merged_here", other) for other in duplicates]
