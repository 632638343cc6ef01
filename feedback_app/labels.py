"""Every code a person sees, with its label: defined once, used by pages, mail, reports, jobs and the API.

A code never reaches a reader raw: `label_for(LABELS, code)` gives the label in the current language, or the code itself
for one the table does not know (so a new code shows up, visibly, instead of failing).
Words that mean different things in different places carry a context (pgettext): "Received" is a state, a time and
a count, each translated on its own.
"""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from .models.case import CaseChannel, CaseOutcome, CaseState
from .models.cycle import CycleEnd

STATE_LABELS = {
    CaseState.RECEIVED: lazy_pgettext("case state", "Received"),
    CaseState.ASSIGNED: lazy_pgettext("case state", "Assigned"),
    CaseState.IN_PROGRESS: lazy_pgettext("case state", "In progress"),
    CaseState.REPLIED: lazy_pgettext("case state", "Replied"),
    CaseState.CLOSED: lazy_pgettext("case state", "Closed"),
    CaseState.TRANSFERRED: lazy_pgettext("case state", "Transferred"),
    CaseState.REOPENED: lazy_pgettext("case state", "Reopened"),
    CaseState.MERGED: lazy_pgettext("case state", "Merged as duplicate"),
}
OPEN_STATES_LABEL = lazy_pgettext("case state", "Open cases")

OUTCOME_LABELS = {
    CaseOutcome.RESOLVED: _l("Resolved"),
    CaseOutcome.EXPLAINED: _l("Explained"),
    CaseOutcome.NOT_OUR_DUTY: _l("Not within our duties"),
    CaseOutcome.DUPLICATE: _l("Duplicate"),
    CaseOutcome.WITHDRAWN: _l("Withdrawn"),
}

# How a handling cycle of a case ended.
CYCLE_END_LABELS = {
    CycleEnd.CLOSED: lazy_pgettext("cycle end", "Closed"),
    CycleEnd.REOPENED: lazy_pgettext("cycle end", "Reopened after the reply"),
    CycleEnd.TRANSFERRED: lazy_pgettext("cycle end", "Transferred to another agency"),
    CycleEnd.MERGED: lazy_pgettext("cycle end", "Merged as duplicate"),
}

# Where a 陳情 case came from.
CASE_CHANNEL_LABELS = {
    CaseChannel.HOTLINE_1999: _l("1999 hotline"),
    CaseChannel.PETITION_SYSTEM: _l("Petition system"),
    CaseChannel.MAYOR_MAILBOX: _l("Mayor's mailbox"),
    CaseChannel.EMAIL: _l("Email"),
    CaseChannel.PHONE: _l("Phone"),
    CaseChannel.LETTER: _l("Letter"),
    CaseChannel.COUNTER: _l("At the counter"),
    CaseChannel.COMMENT_BOX: _l("Comment box"),
    CaseChannel.FACEBOOK: _l("Facebook"),
    CaseChannel.LINE: _l("LINE"),
    CaseChannel.RATING_FOLLOWUP: _l("Follow-up of a low rating"),
    CaseChannel.OPEN311: _l("Open311"),
}

# Where a satisfaction rating came from (not to be confused with a case's channel).
RATING_SOURCE_LABELS = {
    "kiosk": _l("Kiosk"),
    "qr": _l("QR survey"),
    "combined": _l("Kiosk and QR combined"),
}

ROLE_LABELS = {
    "officer": _l("Case officer"),
    "supervisor": _l("Supervisor"),
    "monitor": _l("Monitor"),
    "director": _l("Director"),
    "admin": _l("Administrator"),
}

# The 5-point scale every questionnaire here uses, from score 1 to score 5.
SCORE_LABELS = {
    1: _l("Very dissatisfied"),
    2: _l("Dissatisfied"),
    3: _l("Neutral"),
    4: _l("Satisfied"),
    5: _l("Very satisfied"),
}

# The case trail: what happened, and the fields it changed.
TRAIL_EVENT_LABELS = {
    "created": _l("Case logged"),
    "assigned": _l("Assigned"),
    "started": _l("Work started"),
    "in_progress": _l("Work started"),
    "note_added": _l("Internal note added"),
    "replied": _l("Replied"),
    "extension_requested": _l("Extension requested"),
    "extension_approved": _l("Extension approved"),
    "extension_rejected": _l("Extension rejected"),
    "closed": _l("Closed"),
    "reopened": _l("Reopened"),
    "transferred": _l("Transferred"),
    "merged": _l("Merged as a duplicate"),
    "linked": _l("Linked to a related case"),
    "attachment_added": _l("File attached"),
    "due_recomputed": _l("Due date recomputed after a calendar revision"),
    "reply_rated": _l("Petitioner rated the reply"),
    "rehandling_opened": _l("Re-handling task opened"),
    "rehandling_due_recomputed": _l("Re-handling due date recomputed after a calendar revision"),
    "rehandling_done": _l("Re-handling task done"),
    "petitioner_told_overdue": _l("Petitioner told the case is overdue"),
}
TRAIL_FIELD_LABELS = {
    "state": _l("State"),
    "channel": _l("Channel"),
    "unit_id": _l("Unit"),
    "assignee_id": _l("Case officer"),
    "due_at": _l("Due date"),
    "new_due_at": _l("New due date"),
    "outcome": _l("Outcome"),
    "reply": _l("Reply"),
    "public_summary": _l("Public summary (published)"),
    "transferred_to": _l("Transferred to"),
    "reply_score": _l("Reply satisfaction"),
    "working_days": _l("Working days"),
    "needs_director": _l("Needs the director's approval"),
    "calendar_versions": _l("Office calendar"),
    "merged_into": _l("Merged into"),
    "related": _l("Related case"),
    "transferred_contact": _l("Agency contact"),
    "expected_date": _l("Expected reply date"),
    "reason": _l("Reason"),
}


def label_for(labels: dict, code) -> str:
    """The label of a code in the current language; an unknown code as it is."""
    found = labels.get(code)
    return code if found is None else str(found)


def score_labels() -> list[str]:
    """The five scale points' labels, score 1 first."""
    return [str(SCORE_LABELS[score]) for score in sorted(SCORE_LABELS)]
