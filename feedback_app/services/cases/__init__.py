"""陳情 cases: one module per concern; the public names are re-exported here so callers import from
`services.cases`.

- intake: validating, numbering, the due-date rule, `open_case` (every entrance calls it)
- petitioner: mail to the petitioner at every turn (their language, office hours); petitioner_texts: its words in
  the five languages; overdue: the notice when the due date passed with no reply
- workflow: the common steps of every handling action (state, version, audit trail)
- permissions: who may take each action
- handling: assign, reply, extensions, close, reopen, transfer, merge, link
- cycles: a reopened case's new due date and its earlier handling cycles
- attachments, due_dates (recomputed after a calendar import), rehandling, lookup
"""

from .attachments import add_attachment, check_attachment, max_attachment_bytes, safe_filename, sniff_content_type
from .cycles import case_cycles, renew_due_date
from .due_dates import recompute_due_dates
from .handling import (
    add_note,
    assign_case,
    close_case,
    decide_extension,
    link_cases,
    max_working_days,
    merge_case,
    related_cases,
    reopen_case,
    reply_case,
    request_extension,
    start_work,
    templates_for,
    transfer_case,
)
from .intake import (
    REPLY_CONTACT_REQUIRED,
    CaseInput,
    check_lookup_code,
    hash_lookup_code,
    new_lookup_code,
    next_case_number,
    open_case,
    rule_for,
    validate_case_input,
)
from .lookup import Turn, lookup_case, petitioner_turns, surviving_case
from .overdue import tell_overdue_petitioners
from .permissions import available_actions, can_decide_extension, may, may_complete_rehandling
from .petitioner import lookup_url, petitioner_send_time, queue_acknowledgement
from .petitioner_texts import LANGUAGES as PETITIONER_LANGUAGES
from .petitioner_texts import case_language, language_of
from .rehandling import REHANDLING_WORKING_DAYS, complete_rehandling, rate_reply
from .workflow import ACTION_LABELS, record_event

__all__ = [
    "ACTION_LABELS",
    "PETITIONER_LANGUAGES",
    "CaseInput",
    "Turn",
    "REHANDLING_WORKING_DAYS",
    "REPLY_CONTACT_REQUIRED",
    "add_attachment",
    "add_note",
    "assign_case",
    "available_actions",
    "case_language",
    "can_decide_extension",
    "case_cycles",
    "check_attachment",
    "check_lookup_code",
    "close_case",
    "complete_rehandling",
    "decide_extension",
    "hash_lookup_code",
    "language_of",
    "link_cases",
    "lookup_case",
    "lookup_url",
    "max_attachment_bytes",
    "max_working_days",
    "may",
    "may_complete_rehandling",
    "merge_case",
    "new_lookup_code",
    "next_case_number",
    "open_case",
    "petitioner_send_time",
    "petitioner_turns",
    "queue_acknowledgement",
    "rate_reply",
    "recompute_due_dates",
    "record_event",
    "related_cases",
    "renew_due_date",
    "reopen_case",
    "reply_case",
    "request_extension",
    "rule_for",
    "safe_filename",
    "sniff_content_type",
    "start_work",
    "surviving_case",
    "tell_overdue_petitioners",
    "templates_for",
    "transfer_case",
    "validate_case_input",
]
