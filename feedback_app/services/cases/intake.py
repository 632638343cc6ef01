"""Intake: validating what arrives, numbering, the due-date rule and opening a case (every entrance calls
`open_case`)."""

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from ...extensions import db, upsert_insert
from ...models import (
    Case,
    CaseCategory,
    CaseChannel,
    CaseEvent,
    CaseNumberSequence,
    DueDateRule,
    Office,
    utcnow,
)
from ..calendar import TAIPEI, WorkCalendar, due_date
from ..contact import contact_errors
from ..errors import ValidationFailed
from .petitioner import queue_acknowledgement
from .petitioner_texts import LANGUAGES

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
    # The language the petitioner used (zh_TW, en, vi, id, th); None: the office's.
    petitioner_locale: str | None = None


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
    db.session.execute(upsert_insert(CaseNumberSequence).values(**key, last=0).on_conflict_do_nothing())
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
    if data.petitioner_locale is not None and data.petitioner_locale not in LANGUAGES:
        errors["petitioner_locale"] = str(_l("Choose one of the languages: %(codes)s.", codes=", ".join(LANGUAGES)))
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
        petitioner_locale=data.petitioner_locale,
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
