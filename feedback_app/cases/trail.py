"""A case's audit trail as staff read it: labels for codes, names for ids, Taipei time for instants."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..i18n import format_local
from ..labels import (
    CASE_CHANNEL_LABELS,
    OUTCOME_LABELS,
    STATE_LABELS,
    TRAIL_EVENT_LABELS,
    TRAIL_FIELD_LABELS,
    label_for,
)
from ..models import Case, CaseEvent, Unit, User

# Ids of rows that only the software follows (the note, extension or task an event belongs to).
INTERNAL_KEYS = {"note_id", "extension_id", "task_id"}
CODE_LABELS = {"state": STATE_LABELS, "outcome": OUTCOME_LABELS, "channel": CASE_CHANNEL_LABELS}


def case_trail(case: Case, since_version: int | None = None) -> list[dict]:
    """The trail oldest first; each change is (field, before, after), before None for a value the event only adds.

    With `since_version`, only the changes made after the case had that version: what someone whose form saw it
    has not seen."""
    stmt = sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    if since_version is not None:
        stmt = stmt.where(CaseEvent.case_version > since_version)
    events = db.session.scalars(stmt)
    rows = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        changes = []
        for key in dict.fromkeys([*before, *after]):
            if key in INTERNAL_KEYS:
                continue
            field = label_for(TRAIL_FIELD_LABELS, key)
            if key in before and key in after:
                changes.append((field, _shown(key, before[key]), _shown(key, after[key])))
            else:
                changes.append((field, None, _shown(key, after[key] if key in after else before[key])))
        rows.append({"event": event, "label": label_for(TRAIL_EVENT_LABELS, event.action), "changes": changes})
    return rows


def _shown(key: str, value):
    if value is None:
        return None
    if key in ("unit_id", "assignee_id"):
        return _name(Unit if key == "unit_id" else User, value)
    if key in CODE_LABELS:
        return label_for(CODE_LABELS[key], value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "calendar_versions" and isinstance(value, dict):
        return "、".join(_("%(year)s, version %(version)s", year=year, version=version)
                        for year, version in sorted(value.items()))
    if key.endswith("_at") and isinstance(value, str):
        try:
            return format_local(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def _name(model, record_id):
    record = db.session.get(model, record_id)
    return getattr(record, "display_name", None) or getattr(record, "name", None) or record_id
