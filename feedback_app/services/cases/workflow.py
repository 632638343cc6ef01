"""The handling state machine's common steps: the states each action may start from, the version check, the
audit trail. Each step checks the actor, the state and the version the actor saw; refuses with
ValidationFailed / AccessDenied / Conflict and changes nothing; appends a CaseEvent."""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...labels import STATE_LABELS, label_for
from ...models import (
    Case,
    CaseEvent,
    CaseState,
    User,
    utcnow,
)
from ..access import ensure_access
from ..errors import AccessDenied, Conflict, ValidationFailed

# The states each action may start from.
ASSIGNABLE = (CaseState.RECEIVED, CaseState.ASSIGNED, CaseState.IN_PROGRESS, CaseState.REOPENED)
WORKABLE = (CaseState.ASSIGNED, CaseState.IN_PROGRESS, CaseState.REOPENED)
MERGEABLE = (CaseState.RECEIVED, CaseState.ASSIGNED, CaseState.IN_PROGRESS, CaseState.REOPENED)
REOPENABLE = (CaseState.REPLIED, CaseState.CLOSED, CaseState.TRANSFERRED)


def utc_iso(value: datetime | None) -> str | None:
    """Times in the trail are written in UTC, whatever zone they were computed in."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def record_event(case: Case, actor: User | None, action: str, before: dict | None = None,
                 after: dict | None = None, note: str | None = None) -> CaseEvent:
    """Append one entry to the case's audit trail, with the version the case has after the change."""
    event = CaseEvent(case_id=case.id, actor_id=actor.id if actor is not None else None, action=action,
                      before=before, after=after, note=note, at=utcnow(), case_version=case.version)
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


def touch(case: Case) -> None:
    """Every change bumps the case row, so its version moves and stale forms are refused."""
    case.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict() from None


def begin(case: Case, actor: User, version, action: str | None) -> None:
    """Refuse unless the actor may reach the case, saw its current version, and its state allows it."""
    ensure_access(actor, case)
    _check_version(case, version)
    if action is not None and case.state not in ACTION_STATES[action]:
        raise invalid_transition(case, action)


def invalid_transition(case: Case, action: str) -> ValidationFailed:
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


def required_text(value: str | None, field: str, message) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(details={field: str(message)})
    return text


# The states each action may start from (None: any state).
ACTION_STATES = {
    "assign": ASSIGNABLE, "start": (CaseState.ASSIGNED, CaseState.REOPENED), "reply": WORKABLE,
    "extension": WORKABLE, "close": (CaseState.REPLIED,), "reopen": REOPENABLE, "transfer": MERGEABLE,
    "merge": MERGEABLE,
}


def refuse_unless(allowed: bool) -> None:
    if not allowed:
        raise AccessDenied()
