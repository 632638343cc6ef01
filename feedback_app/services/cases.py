"""陳情 case intake: numbering, due-date rules and opening a case. Views, API, CLI and jobs all call these."""

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..labels import STATE_LABELS, label_for
from ..links import public_url
from ..models import (
    Attachment,
    CalendarImport,
    Case,
    CaseCategory,
    CaseChannel,
    CaseEvent,
    CaseLink,
    CaseNote,
    CaseNumberSequence,
    CaseOutcome,
    CaseState,
    DueDateRule,
    Extension,
    LoginThrottle,
    Office,
    RehandlingTask,
    ReplyTemplate,
    Role,
    Unit,
    User,
    utcnow,
)
from ..models.case import PUBLIC_SUMMARY_MAX, REHANDLING_OUTCOME_MAX
from . import notify
from .access import can_access_office, ensure_access
from .calendar import TAIPEI, WorkCalendar, due_date, end_of_day, next_office_moment
from .contact import contact_errors
from .errors import AccessDenied, Conflict, TooManyAttempts, ValidationFailed
from .hashing import check_against_nothing
from .users import record_failure

LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over the phone
# Channels whose answer goes back the same way, so a way to reply is required.
REPLY_CONTACT_REQUIRED = {
    CaseChannel.EMAIL: ("petitioner_email",),
    CaseChannel.PETITION_SYSTEM: ("petitioner_email",),
    CaseChannel.MAYOR_MAILBOX: ("petitioner_email",),
    CaseChannel.PHONE: ("petitioner_phone",),
    CaseChannel.LETTER: ("petitioner_address",),
    CaseChannel.RATING_FOLLOWUP: ("petitioner_phone", "petitioner_email"),
}


# Case numbers carry the ROC year of receipt in three digits: nothing before ROC year 1 can be numbered.
EARLIEST_RECEIVED = datetime(1912, 1, 1, tzinfo=TAIPEI)
TEXT_FIELDS = ("subject", "description", "external_ref", "petitioner_name", "petitioner_phone",
               "petitioner_email", "petitioner_address")


@dataclass
class CaseInput:
    office_id: int
    channel: str
    subject: str
    description: str = ""
    category_id: int | None = None
    received_at: datetime | None = None
    external_ref: str | None = None
    petitioner_name: str | None = None
    petitioner_phone: str | None = None
    petitioner_email: str | None = None
    petitioner_address: str | None = None
    confidential: bool = False


def rule_for(city_id: int, channel: str, category_id: int | None) -> tuple[int, str]:
    """Working days for a channel and category: the most specific rule wins."""
    rules = db.session.scalars(
        sa.select(DueDateRule).where(
            DueDateRule.city_id == city_id,
            sa.or_(DueDateRule.channel == channel, DueDateRule.channel.is_(None)),
            sa.or_(DueDateRule.category_id == category_id, DueDateRule.category_id.is_(None)),
        )
    ).all()

    def specificity(rule: DueDateRule) -> tuple[int, int]:
        # A category rule is more specific than a channel rule; both together beat either.
        return (rule.category_id is not None) * 2 + (rule.channel is not None), rule.id

    if not rules:
        return current_app.config.get("CASE_DEFAULT_WORKING_DAYS", 6), "default"
    best = max(rules, key=specificity)
    label = f"rule {best.id}: channel={best.channel or '*'} category={best.category_id or '*'}"
    return best.working_days, label


def next_case_number(office: Office, received_at: datetime) -> str:
    """案號: office code + ROC date of receipt + a daily sequence, e.g. ZS-1140122-0003."""
    local = received_at.astimezone(TAIPEI).date()
    day = f"{local.year - 1911:03d}{local.month:02d}{local.day:02d}"
    key = {"office_id": office.id, "day": day}
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(CaseNumberSequence).values(**key, last=0).on_conflict_do_nothing())
    last = db.session.scalar(
        sa.update(CaseNumberSequence)
        .where(CaseNumberSequence.office_id == office.id, CaseNumberSequence.day == day)
        .values(last=CaseNumberSequence.last + 1)
        .returning(CaseNumberSequence.last)
    )
    return f"{office.code}-{day}-{last:04d}"


def new_lookup_code() -> str:
    return "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(8))


# Look-up codes are random and the look-up is throttled, so a quicker hash than the staff passwords' will do.
LOOKUP_CODE_HASH = "pbkdf2:sha256:20000"


def hash_lookup_code(code: str) -> str:
    return generate_password_hash(code.strip().upper(), method=LOOKUP_CODE_HASH)


def check_lookup_code(case: Case, code: str) -> bool:
    return bool(case.lookup_code_hash) and check_password_hash(case.lookup_code_hash, (code or "").strip().upper())


def _clean(value: str | None) -> str | None:
    value = (value or "").replace("\ufeff", "").strip()  # a stray byte-order mark is no text
    return value or None


def validate_case_input(data: CaseInput) -> tuple[Office, CaseCategory | None]:
    errors: dict[str, str] = {}
    office = db.session.get(Office, data.office_id)
    if office is None:
        errors["office_id"] = str(_l("Unknown office."))
    elif not office.active:  # a closed office keeps its history but takes no new cases, whatever the entrance
        errors["office_id"] = str(_l("Office %(code)s is closed.", code=office.code))
    if data.channel not in CaseChannel.ALL:
        errors["channel"] = str(_l("Unknown channel."))
    if not _clean(data.subject):
        errors["subject"] = str(_l("A subject is required."))
    elif len(data.subject.strip()) > 200:
        errors["subject"] = str(_l("The subject is limited to 200 characters."))
    category = None
    if data.category_id is not None:
        category = db.session.get(CaseCategory, data.category_id)
        if category is None or (office is not None and category.city_id != office.city_id) or not category.active:
            errors["category_id"] = str(_l("Unknown category."))
    if data.received_at is not None:
        if data.received_at.tzinfo is None:
            errors["received_at"] = str(_l("The received time needs a time zone."))
        elif data.received_at > utcnow():
            errors["received_at"] = str(_l("The received time cannot be in the future."))
        elif data.received_at < EARLIEST_RECEIVED:
            errors["received_at"] = str(_l("The received time cannot be before 1912 (ROC year 1)."))
    for name in TEXT_FIELDS:
        if "\x00" in (getattr(data, name) or ""):
            errors[name] = str(_l("The text holds characters that are not allowed."))
    for name, message in contact_errors(
        data.petitioner_phone, data.petitioner_email, "petitioner_phone", "petitioner_email"
    ).items():
        errors.setdefault(name, message)
    reference = _clean(data.external_ref)
    if office is not None and reference and "external_ref" not in errors:
        existing = db.session.scalar(
            sa.select(Case.number).where(Case.office_id == office.id, Case.external_ref == reference))
        if existing:
            errors["external_ref"] = str(_l("Case %(number)s already has this original reference number.",
                                            number=existing))
    needed = REPLY_CONTACT_REQUIRED.get(data.channel)
    if needed and not any(_clean(getattr(data, name)) for name in needed):
        errors[needed[0]] = str(_l("This channel needs a way to reply to the petitioner."))
    if errors:
        raise ValidationFailed(details=errors)
    return office, category


def open_case(data: CaseInput, actor_id: int | None = None, calendar: WorkCalendar | None = None
              ) -> tuple[Case, str]:
    """Open a case with its number, due date and lookup code; returns the case and the plain lookup code."""
    office, category = validate_case_input(data)
    received_at = data.received_at or utcnow()
    calendar = calendar or WorkCalendar.around(received_at.astimezone(TAIPEI).date())
    days, rule = rule_for(office.city_id, data.channel, category.id if category else None)
    due = due_date(received_at, days, rule=rule, calendar=calendar)
    code = new_lookup_code()
    case = Case(
        number=next_case_number(office, received_at),
        city_id=office.city_id,
        office_id=office.id,
        channel=data.channel,
        category_id=category.id if category else None,
        subject=data.subject.strip(),
        description=(data.description or "").strip(),
        received_at=received_at,
        external_ref=_clean(data.external_ref),
        due_at=due.due_at,
        working_days=days,
        due_basis=due.basis(),
        petitioner_name=_clean(data.petitioner_name),
        petitioner_phone=_clean(data.petitioner_phone),
        petitioner_email=_clean(data.petitioner_email),
        petitioner_address=_clean(data.petitioner_address),
        confidential=bool(data.confidential),
        lookup_code_hash=hash_lookup_code(code),
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(CaseEvent(case_id=case.id, actor_id=actor_id, action="created",
                             after={"state": case.state, "due_at": case.due_at.isoformat(),
                                    "channel": case.channel}))
    if case.petitioner_email:
        queue_acknowledgement(case, code, calendar)
    return case, code


def petitioner_locale():
    """Mail to petitioners is written in the office's language, whatever the staff member's screen shows."""
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_TW"))


def lookup_url() -> str:
    return public_url("/lookup")


def petitioner_send_time(calendar: WorkCalendar | None = None) -> datetime:
    """Mail to petitioners goes out on working days in office hours: now, or the next opening time.

    `calendar` is used when it spans this year and the next (a bulk import's), else the calendar is read."""
    now = utcnow()
    year = now.astimezone(TAIPEI).year
    if calendar is not None and not (year in calendar.years and year + 1 in calendar.years):
        calendar = None
    return next_office_moment(now, calendar)


def _mail_petitioner(case: Case, key: str, kind: str, subject: str, body: str,
                     calendar: WorkCalendar | None = None) -> bool:
    """Queue one email to the petitioner, linking to the look-up page, for the next office moment; delivery is
    the jobs' work."""
    return notify.queue(key=key, channel="email", kind=kind, subject=subject, body=body,
                        recipient=case.petitioner_email, office_id=case.office_id, case_id=case.id,
                        link=lookup_url(), not_before=petitioner_send_time(calendar))


def queue_acknowledgement(case: Case, code: str, calendar: WorkCalendar | None = None) -> bool:
    """收件確認: the case number, the lookup code and where to look the case up, to the petitioner's email."""
    url = lookup_url()
    with petitioner_locale():
        body = "\n".join([
            str(_l("We have received your case.")),
            str(_l("Case number: %(number)s", number=case.number)),
            str(_l("Lookup code: %(code)s", code=code)),
            str(_l("Follow your case at %(url)s with the case number and the lookup code.", url=url)),
            str(_l("Due date: %(date)s", date=case.due_at.astimezone(TAIPEI).date().isoformat())),
        ])
        subject = str(_l("Case %(number)s received", number=case.number))
    return _mail_petitioner(case, f"case:{case.id}:ack", "acknowledgement", subject, body, calendar)


# Handling: 分案, 函復, 展期, 結案 and the rest. Each step checks the actor, the state and the version the
# actor saw; refuses with ValidationFailed / AccessDenied / Conflict and changes nothing; appends a CaseEvent.

# The states each action may start from.
ASSIGNABLE = (CaseState.RECEIVED, CaseState.ASSIGNED, CaseState.IN_PROGRESS, CaseState.REOPENED)
WORKABLE = (CaseState.ASSIGNED, CaseState.IN_PROGRESS, CaseState.REOPENED)
MERGEABLE = (CaseState.RECEIVED, CaseState.ASSIGNED, CaseState.IN_PROGRESS, CaseState.REOPENED)
REOPENABLE = (CaseState.REPLIED, CaseState.CLOSED, CaseState.TRANSFERRED)
ATTACHMENT_TYPES = {
    "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "text/plain": ".txt",
}
# Text that a browser would take for HTML, SVG or XML (WHATWG MIME sniffing) is markup, not plain text.
MARKUP_STARTS = (
    "<!doctype", "<html", "<head", "<body", "<script", "<iframe", "<svg", "<?xml", "<!--", "<div", "<a ",
    "<img", "<object", "<embed", "<style", "<meta", "<title", "<form", "<table",
)
REHANDLING_WORKING_DAYS = 3


def _iso(value: datetime | None) -> str | None:
    """Times in the trail are written in UTC, whatever zone they were computed in."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def record_event(case: Case, actor: User | None, action: str, before: dict | None = None,
                 after: dict | None = None, note: str | None = None) -> CaseEvent:
    """Append one entry to the case's audit trail."""
    event = CaseEvent(case_id=case.id, actor_id=actor.id if actor is not None else None, action=action,
                      before=before, after=after, note=note, at=utcnow())
    db.session.add(event)
    return event


def _check_version(case: Case, version: int | str | None) -> None:
    """The actor must have seen the case as it is now: a stale form is a conflict, not an overwrite."""
    try:
        seen = int(version)
    except (TypeError, ValueError):
        message = str(_l("The form is missing the case version."))
        raise ValidationFailed(details={"version": message}) from None
    if seen != case.version:
        raise Conflict()


def _touch(case: Case) -> None:
    """Every change bumps the case row, so its version moves and stale forms are refused."""
    case.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict() from None


def _begin(case: Case, actor: User, version, action: str | None) -> None:
    """Refuse unless the actor may reach the case, saw its current version, and its state allows it."""
    ensure_access(actor, case)
    _check_version(case, version)
    if action is not None and case.state not in ACTION_STATES[action]:
        raise _invalid_transition(case, action)


def _invalid_transition(case: Case, action: str) -> ValidationFailed:
    return ValidationFailed(
        _l("A case that is %(state)s does not allow %(action)s.", state=label_for(STATE_LABELS, case.state),
           action=ACTION_LABELS[action]),
        code="invalid_transition", details={"state": case.state},
    )


ACTION_LABELS = {
    "assign": _l("assignment"),
    "start": _l("starting work"),
    "reply": _l("a reply"),
    "extension": _l("an extension"),
    "close": _l("closing"),
    "reopen": _l("reopening"),
    "transfer": _l("a transfer"),
    "merge": _l("merging"),
}


def _required_text(value: str | None, field: str, message) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(details={field: str(message)})
    return text


def _is_handler(user: User, case: Case) -> bool:
    """The case officer, or the supervisor of the case's unit."""
    return user.id == case.assignee_id or (
        user.role == Role.SUPERVISOR and case.unit_id is not None and user.unit_id == case.unit_id
    )


def _supervises(user: User, case: Case) -> bool:
    """A supervisor of the case's unit, or of the office while the case has no unit yet."""
    return user.role == Role.SUPERVISOR and (case.unit_id is None or user.unit_id == case.unit_id)


# Who may take each action on a case (access to its office is checked apart).
PERMISSIONS = {
    "assign": lambda user, case: user.role in (Role.MONITOR, Role.SUPERVISOR, Role.DIRECTOR),
    "start": _is_handler,
    "reply": _is_handler,
    "extension": lambda user, case: user.id == case.assignee_id,
    "close": lambda user, case: _is_handler(user, case) or user.role == Role.DIRECTOR,
    "reopen": lambda user, case: user.role in (Role.MONITOR, Role.DIRECTOR) or _supervises(user, case),
    "transfer": lambda user, case: (user.role in (Role.MONITOR, Role.DIRECTOR) or _is_handler(user, case)
                                    or _supervises(user, case)),
    "merge": lambda user, case: (user.role in (Role.MONITOR, Role.DIRECTOR, Role.SUPERVISOR)
                                 or _is_handler(user, case)),
}
# The states each action may start from (None: any state).
ACTION_STATES = {
    "assign": ASSIGNABLE, "start": (CaseState.ASSIGNED, CaseState.REOPENED), "reply": WORKABLE,
    "extension": WORKABLE, "close": (CaseState.REPLIED,), "reopen": REOPENABLE, "transfer": MERGEABLE,
    "merge": MERGEABLE,
}


def may(action: str, user: User, case: Case) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and PERMISSIONS[action](user, case)


def available_actions(case: Case, user: User) -> set[str]:
    """The actions the user may take on the case as it stands, for the detail page to offer."""
    actions = {"note", "attach", "link"}
    for action, states in ACTION_STATES.items():
        if case.state in states and may(action, user, case):
            actions.add(action)
    if "extension" in actions and any(e.state == "pending" for e in case.extensions):
        actions.discard("extension")
    if any(e.state == "pending" and can_decide_extension(user, e) for e in case.extensions):
        actions.add("decide")
    return actions


def _refuse_unless(allowed: bool) -> None:
    if not allowed:
        raise AccessDenied()


def assign_case(case: Case, actor: User, version, unit_id: int | None, assignee_id: int | None) -> Case:
    """分案: a monitor, supervisor or director gives the case a unit and a case officer of that unit."""
    _begin(case, actor, version, "assign")
    _refuse_unless(may("assign", actor, case))
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
    _touch(case)
    record_event(case, actor, "assigned", before,
                 {"state": case.state, "unit_id": unit.id, "assignee_id": officer.id})
    return case


def start_work(case: Case, actor: User, version) -> Case:
    """The case officer starts handling an assigned (or reopened) case."""
    _begin(case, actor, version, "start")
    _refuse_unless(may("start", actor, case))
    before = {"state": case.state}
    case.state = CaseState.IN_PROGRESS
    _touch(case)
    record_event(case, actor, "started", before, {"state": case.state})
    return case


def add_note(case: Case, actor: User, version, body: str | None) -> CaseNote:
    """An internal note for staff; never shown to the petitioner."""
    _begin(case, actor, version, None)
    text = _required_text(body, "body", _l("Write the note."))
    note = CaseNote(case_id=case.id, author_id=actor.id, body=text, created_at=utcnow())
    db.session.add(note)
    _touch(case)
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
    _begin(case, actor, version, "reply")
    _refuse_unless(may("reply", actor, case))
    text = _required_text(reply, "reply", _l("Write the reply to the petitioner."))
    summary = (public_summary or "").strip() or None
    if summary is not None and len(summary) > PUBLIC_SUMMARY_MAX:
        message = _l("The public summary is limited to %(n)d characters.", n=PUBLIC_SUMMARY_MAX)
        raise ValidationFailed(details={"public_summary": str(message)})
    before = {"state": case.state, "reply": case.reply, "public_summary": case.public_summary}
    case.reply, case.replied_at, case.state = text, utcnow(), CaseState.REPLIED
    case.public_summary = summary
    _touch(case)
    event = record_event(
        case, actor, "replied", before, {"state": case.state, "reply": text, "public_summary": summary}
    )
    db.session.flush()
    if case.petitioner_email:
        with petitioner_locale():
            subject = str(_l("Reply to your case %(number)s", number=case.number))
        _mail_petitioner(case, f"case:{case.id}:reply:{event.id}", "reply", subject, text)
    return case


def max_working_days() -> int:
    return int(current_app.config.get("CASE_MAX_WORKING_DAYS", 30))


def request_extension(case: Case, actor: User, version, reason: str | None, new_date: date | None
                      ) -> Extension:
    """展期: the case officer asks for a later due date; past the cap of working days the director decides."""
    _begin(case, actor, version, "extension")
    _refuse_unless(may("extension", actor, case))
    text = _required_text(reason, "reason", _l("Give the reason for the extension."))
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
    _touch(case)
    record_event(case, actor, "extension_requested", {"due_at": _iso(case.due_at)},
                 {"new_due_at": _iso(extension.new_due_at), "working_days": total,
                  "needs_director": extension.needs_director, "extension_id": extension.id}, note=text)
    return extension


def can_decide_extension(user: User, extension: Extension) -> bool:
    """The supervisor of the case's unit decides; past the cap only the director."""
    case = extension.case
    if user.role == Role.DIRECTOR:
        return True
    return (not extension.needs_director and user.role == Role.SUPERVISOR
            and case.unit_id is not None and user.unit_id == case.unit_id)


def decide_extension(extension: Extension, actor: User, version, approve: bool, note: str | None = None
                     ) -> Extension:
    """Approve (the due date moves, the petitioner is told why) or reject a pending extension."""
    case = extension.case
    _begin(case, actor, version, None)
    _refuse_unless(can_decide_extension(actor, extension))
    if extension.state != "pending":
        raise ValidationFailed(_l("This extension has been decided already."), code="already_decided")
    if approve and case.state not in WORKABLE:
        raise _invalid_transition(case, "extension")
    extension.state = "approved" if approve else "rejected"
    extension.decided_by_id, extension.decided_at = actor.id, utcnow()
    extension.decision_note = (note or "").strip() or None
    before = {"due_at": _iso(case.due_at)}
    if approve:
        case.due_at = extension.new_due_at
        case.due_basis = {**(case.due_basis or {}), "extension": {
            "id": extension.id, "reason": extension.reason,
            "due_date": extension.new_due_at.astimezone(TAIPEI).date().isoformat(),
            "approved_by": actor.id, "needs_director": extension.needs_director}}
    _touch(case)
    record_event(case, actor, "extension_approved" if approve else "extension_rejected", before,
                 {"due_at": _iso(case.due_at), "extension_id": extension.id}, note=extension.decision_note)
    if approve and case.petitioner_email:
        with petitioner_locale():
            body = "\n".join([
                str(_l("The due date of your case %(number)s has been extended to %(date)s.",
                       number=case.number, date=extension.new_due_at.astimezone(TAIPEI).date().isoformat())),
                str(_l("Reason: %(reason)s", reason=extension.reason)),
            ])
            subject = str(_l("Your case %(number)s needs more time", number=case.number))
        _mail_petitioner(case, f"case:{case.id}:extension:{extension.id}", "extension", subject, body)
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
    _begin(case, actor, version, "close")
    _refuse_unless(may("close", actor, case))
    if outcome not in CaseOutcome.ALL:
        raise ValidationFailed(details={"outcome": str(_l("Choose an outcome."))})
    if not case.reply:
        raise ValidationFailed(details={"reply": str(_l("A case needs a reply before it is closed."))})
    before = {"state": case.state, "outcome": case.outcome}
    case.state, case.outcome, case.closed_at = CaseState.CLOSED, outcome, utcnow()
    _touch(case)
    record_event(case, actor, "closed", before, {"state": case.state, "outcome": outcome})
    return case


def reopen_case(case: Case, actor: User, version, reason: str | None) -> Case:
    """A replied, closed or transferred case is taken up again, with the reason."""
    _begin(case, actor, version, "reopen")
    _refuse_unless(may("reopen", actor, case))
    text = _required_text(reason, "reason", _l("Give the reason for reopening."))
    before = {"state": case.state, "outcome": case.outcome, "closed_at": _iso(case.closed_at),
              "transferred_to": case.transferred_to}
    case.state = CaseState.REOPENED if case.assignee_id else CaseState.RECEIVED
    case.outcome = case.closed_at = case.transferred_to = None
    _touch(case)
    record_event(case, actor, "reopened", before, {"state": case.state}, note=text)
    return case


def transfer_case(case: Case, actor: User, version, reason: str | None, unit_id: int | None = None,
                  agency: str | None = None) -> Case:
    """會辦 / 移文: to another unit of the office (assigned anew) or to another agency, with the reason."""
    _begin(case, actor, version, "transfer")
    _refuse_unless(may("transfer", actor, case))
    text = _required_text(reason, "reason", _l("Give the reason for the transfer."))
    agency = (agency or "").strip()
    if bool(unit_id) == bool(agency):
        raise ValidationFailed(details={"unit_id": str(_l("Choose either another unit or another agency."))})
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
        case.transferred_to, case.state = agency, CaseState.TRANSFERRED
    _touch(case)
    record_event(case, actor, "transferred", before,
                 {"state": case.state, "unit_id": case.unit_id, "assignee_id": case.assignee_id,
                  "transferred_to": case.transferred_to}, note=text)
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
    _begin(case, actor, version, "merge")
    _refuse_unless(may("merge", actor, case))
    target = _other_case(case, actor, into_number, "into_number")
    if target.state == CaseState.MERGED:
        raise ValidationFailed(details={"into_number": str(_l("That case is itself merged into another."))})
    _link(case, target, "duplicate")
    before = {"state": case.state, "merged_into_id": case.merged_into_id}
    case.state, case.merged_into_id = CaseState.MERGED, target.id
    _touch(case)
    record_event(case, actor, "merged", before, {"state": case.state, "merged_into": target.number})
    return case


def _link(case: Case, other: Case, kind: str) -> None:
    exists = db.session.scalar(sa.select(CaseLink.id).where(
        CaseLink.case_id == case.id, CaseLink.related_case_id == other.id))
    if exists:
        raise ValidationFailed(details={"number": str(_l("The cases are linked already."))})
    db.session.add(CaseLink(case_id=case.id, related_case_id=other.id, kind=kind))


def link_cases(case: Case, actor: User, version, number: str | None) -> CaseLink:
    """Related cases are linked both ways."""
    _begin(case, actor, version, None)
    other = _other_case(case, actor, number, "number")
    _link(case, other, "related")
    if not db.session.scalar(sa.select(CaseLink.id).where(
            CaseLink.case_id == other.id, CaseLink.related_case_id == case.id)):
        db.session.add(CaseLink(case_id=other.id, related_case_id=case.id, kind="related"))
    _touch(case)
    record_event(case, actor, "linked", None, {"related": other.number})
    return case


def related_cases(case: Case) -> list[tuple[str, Case]]:
    rows = db.session.execute(sa.select(CaseLink.kind, Case).join(Case, Case.id == CaseLink.related_case_id)
                              .where(CaseLink.case_id == case.id).order_by(CaseLink.id))
    linked = [(kind, other) for kind, other in rows]
    duplicates = db.session.scalars(sa.select(Case).where(Case.merged_into_id == case.id).order_by(Case.id))
    return linked + [("merged_here", other) for other in duplicates]


def sniff_content_type(data: bytes) -> str | None:
    """The type of a file by its first bytes (never by its name): PDF, PNG, JPEG or plain text that is not markup."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp950"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.lstrip().lower().startswith(MARKUP_STARTS):
            return None
        if all(ch.isprintable() or ch in "\t\r\n\f" for ch in text):
            return "text/plain"
    return None


def max_attachment_bytes() -> int:
    return int(current_app.config.get("CASE_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def safe_filename(filename: str | None) -> str:
    """The last part of an uploaded name, kept to letters (Chinese too), digits and a few marks."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isalnum() or ch in "-_. ()").strip(" .")
    return name[:200] or "attachment"


def check_attachment(filename: str | None, data: bytes) -> tuple[str, str]:
    """(safe file name, content type) of an acceptable attachment; ValidationFailed otherwise."""
    name = safe_filename(filename)
    if not data:
        raise ValidationFailed(details={"attachments": str(_l("%(name)s is empty.", name=name))})
    limit = max_attachment_bytes()
    if len(data) > limit:
        raise ValidationFailed(details={"attachments": str(_l(
            "%(name)s is larger than %(mb)s MB.", name=name, mb=f"{limit / 1024 / 1024:g}"))})
    content_type = sniff_content_type(data)
    if content_type is None:
        raise ValidationFailed(details={"attachments": str(_l(
            "%(name)s is not a PDF, PNG, JPEG or plain text file.", name=name))})
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem[:240] + ATTACHMENT_TYPES[content_type], content_type


def add_attachment(case: Case, actor: User | None, version, filename: str | None, data: bytes) -> Attachment:
    """Keep a file with the case once its size and its real type (by content) are acceptable."""
    if actor is not None:
        _begin(case, actor, version, None)
    name, content_type = check_attachment(filename, data)
    attachment = Attachment(case_id=case.id, filename=name, content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), data=data,
                            uploaded_by_id=actor.id if actor is not None else None, created_at=utcnow())
    db.session.add(attachment)
    _touch(case)
    record_event(case, actor, "attachment_added", None,
                 {"attachment_id": attachment.id, "filename": name, "size": len(data), "type": content_type})
    return attachment


def recompute_due_dates(calendar_import: CalendarImport, actor: User | None = None) -> list[dict]:
    """After a (revised) calendar of a year is imported, recompute open cases whose due date it changes.

    Cases with an approved extension keep their extended date; the others follow their rule again. Open
    re-handling tasks are counted again from when they were opened; their changes carry the task's id."""
    year = calendar_import.year
    start = datetime.combine(date(year, 1, 1), time(0, 0), tzinfo=TAIPEI)
    end = end_of_day(date(year, 12, 31))
    extended = sa.select(Extension.case_id).where(Extension.state == "approved")
    cases = db.session.scalars(sa.select(Case).where(
        Case.state.in_(CaseState.OPEN), Case.received_at <= end, Case.due_at >= start,
        Case.id.not_in(extended)).order_by(Case.id)).all()
    note = f"calendar {year} version {calendar_import.id} ({calendar_import.source_name})"
    changes = []
    calendars: dict[int, WorkCalendar] = {}

    def calendar_from(moment: datetime) -> WorkCalendar:
        day = moment.astimezone(TAIPEI).date()
        if day.year not in calendars:
            calendars[day.year] = WorkCalendar.around(day)
        return calendars[day.year]

    for case in cases:
        rule = (case.due_basis or {}).get("rule")
        due = due_date(case.received_at, case.working_days, rule=rule, calendar=calendar_from(case.received_at))
        if due.due_at == case.due_at:
            continue
        before = {"due_at": _iso(case.due_at),
                  "calendar_versions": (case.due_basis or {}).get("calendar_versions")}
        case.due_at, case.due_basis = due.due_at, due.basis()
        _touch(case)
        record_event(case, actor, "due_recomputed", before,
                     {"due_at": _iso(case.due_at), "calendar_versions": due.calendar_versions}, note=note)
        changes.append({"case": case, "number": case.number, "before": before["due_at"],
                        "after": _iso(due.due_at)})
    tasks = db.session.scalars(sa.select(RehandlingTask).where(
        RehandlingTask.done_at.is_(None), RehandlingTask.created_at <= end, RehandlingTask.due_at >= start,
    ).options(so.joinedload(RehandlingTask.case)).order_by(RehandlingTask.id)).all()
    for task in tasks:
        due = due_date(task.created_at, REHANDLING_WORKING_DAYS, calendar=calendar_from(task.created_at))
        if due.due_at == task.due_at:
            continue
        before = {"task_id": task.id, "due_at": _iso(task.due_at)}
        task.due_at = due.due_at
        record_event(task.case, actor, "rehandling_due_recomputed", before,
                     {"task_id": task.id, "due_at": _iso(task.due_at), "calendar_versions": due.calendar_versions},
                     note=note)
        changes.append({"case": task.case, "number": task.case.number, "task_id": task.id,
                        "before": before["due_at"], "after": _iso(due.due_at)})
    return changes


def rate_reply(case: Case, score: int) -> RehandlingTask | None:
    """意見處理滿意度: the petitioner rates the reply once; 2 or below opens a re-handling task."""
    if case.state not in (CaseState.REPLIED, CaseState.CLOSED) or not case.reply:
        raise ValidationFailed(_l("This case has no reply to rate yet."), code="not_replied")
    if case.reply_score is not None:
        raise ValidationFailed(_l("This reply has been rated already. Thank you."), code="already_rated")
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed(details={"score": str(_l("Choose a score from 1 to 5."))})
    case.reply_score, case.reply_rated_at = score, utcnow()
    _touch(case)
    record_event(case, None, "reply_rated", None, {"reply_score": score})
    if score > 2:
        return None
    supervisor = None
    if case.unit_id is not None:
        supervisor = db.session.scalar(sa.select(User).where(
            User.unit_id == case.unit_id, User.role == Role.SUPERVISOR, User.active.is_(True),
        ).order_by(User.id))
    task = RehandlingTask(case_id=case.id, office_id=case.office_id, unit_id=case.unit_id,
                          assignee_id=supervisor.id if supervisor else None, created_at=utcnow(),
                          due_at=due_date(utcnow(), REHANDLING_WORKING_DAYS).due_at)
    db.session.add(task)
    db.session.flush()
    record_event(case, None, "rehandling_opened", None,
                 {"task_id": task.id, "assignee_id": task.assignee_id, "due_at": _iso(task.due_at)})
    if supervisor is not None:
        notify.queue(key=f"case:{case.id}:rehandling:{task.id}", channel="inapp", kind="rehandling",
                     subject=str(_l("Case %(number)s: the reply was rated %(score)d", number=case.number,
                                    score=score)),
                     body=str(_l("Review the case within %(n)d working days.", n=REHANDLING_WORKING_DAYS)),
                     user_id=supervisor.id, office_id=case.office_id, case_id=case.id)
    return task


def may_complete_rehandling(user: User, task: RehandlingTask) -> bool:
    """The task's assignee, or a supervisor or director of its office, may record that it is done."""
    return (can_access_office(user, task.office_id)
            and (user.id == task.assignee_id or user.role in (Role.SUPERVISOR, Role.DIRECTOR)))


def complete_rehandling(actor: User, task_id: int, outcome: str | None) -> RehandlingTask:
    """The re-handling task is done: what was done is recorded once, and the chase stops reminding of it."""
    task = ensure_access(actor, db.session.get(RehandlingTask, task_id))
    _refuse_unless(may_complete_rehandling(actor, task))
    text = _required_text(outcome, "outcome", _l("Write what was done."))
    if len(text) > REHANDLING_OUTCOME_MAX:
        raise ValidationFailed(details={"outcome": str(_l("What was done is limited to %(n)d characters.",
                                                          n=REHANDLING_OUTCOME_MAX))})
    if "\x00" in text:
        raise ValidationFailed(details={"outcome": str(_l("The text holds characters that are not allowed."))})
    # Only an open task is updated, so of two people finishing it at once the second is refused.
    done_at = db.session.scalar(
        sa.update(RehandlingTask).where(RehandlingTask.id == task.id, RehandlingTask.done_at.is_(None))
        .values(done_at=utcnow(), outcome=text).returning(RehandlingTask.done_at)
        .execution_options(synchronize_session=False))
    if done_at is None:
        raise Conflict(_l("This re-handling task has been recorded as done already."))
    db.session.expire(task, ["done_at", "outcome"])
    record_event(task.case, actor, "rehandling_done", None, {"task_id": task.id}, note=text)
    return task


def lookup_case(number: str | None, code: str | None, remote_addr: str | None) -> Case | None:
    """The case a petitioner may see with its number and lookup code; None when either is wrong.

    Wrong codes count against the address (LoginThrottle "lookup:<addr>"); while locked, TooManyAttempts."""
    now = utcnow()
    key = f"lookup:{remote_addr or 'unknown'}"
    throttle = db.session.get(LoginThrottle, key)
    if throttle is not None and throttle.locked_until and throttle.locked_until > now:
        raise TooManyAttempts()
    number = (number or "").strip().upper()
    case = db.session.scalar(sa.select(Case).where(Case.number == number)) if number else None
    if case is not None and case.state != CaseState.MERGED and case.purged_at is None \
            and check_lookup_code(case, code or ""):
        return case
    if case is None:
        # Spend the same time as a real check, so timing does not tell which numbers exist.
        check_against_nothing((code or "").strip().upper(), LOOKUP_CODE_HASH)
    record_failure(key, current_app.config["LOGIN_MAX_FAILURES"], throttle, now)
    db.session.commit()
    return None

