"""What the petitioner is sent: every turn of the case, in the language they used (the office's when they did not
say), in office hours, linking to the look-up page."""

from datetime import datetime

from ...links import public_url
from ...models import (
    Case,
    Extension,
    utcnow,
)
from .. import notify
from ..calendar import TAIPEI, WorkCalendar, next_office_moment
from .petitioner_texts import case_language, text


def lookup_url() -> str:
    return public_url("/lookup")


def petitioner_send_time(calendar: WorkCalendar | None = None, now: datetime | None = None) -> datetime:
    """Mail to petitioners goes out on working days in office hours: now, or the next opening time.

    `calendar` is used when it spans this year and the next (a bulk import's), else the calendar is read."""
    now = now or utcnow()
    year = now.astimezone(TAIPEI).year
    if calendar is not None and not (year in calendar.years and year + 1 in calendar.years):
        calendar = None
    return next_office_moment(now, calendar)


def local_date(moment: datetime) -> str:
    return moment.astimezone(TAIPEI).date().isoformat()


def mail_petitioner(case: Case, key: str, kind: str, subject: str, body: str,
                    calendar: WorkCalendar | None = None, now: datetime | None = None) -> bool:
    """Queue one email to the petitioner, linking to the look-up page, for the next office moment; delivery is
    the jobs' work."""
    return notify.queue(key=key, channel="email", kind=kind, subject=subject, body=body,
                        recipient=case.petitioner_email, office_id=case.office_id, case_id=case.id,
                        link=lookup_url(), not_before=petitioner_send_time(calendar, now))


def queue_acknowledgement(case: Case, code: str, calendar: WorkCalendar | None = None) -> bool:
    """收件確認: the case number, the lookup code and where to look the case up, to the petitioner's email."""
    lang = case_language(case)
    body = "\n".join([
        text("ack_received", lang),
        text("case_number_line", lang, number=case.number),
        text("code_line", lang, code=code),
        text("follow_line", lang, url=lookup_url()),
        text("due_line", lang, date=local_date(case.due_at)),
    ])
    subject = text("ack_subject", lang, number=case.number)
    return mail_petitioner(case, f"case:{case.id}:ack", "acknowledgement", subject, body, calendar)


def tell_reply(case: Case, event_id: int) -> bool:
    """函復: the reply as staff wrote it, under a subject in the petitioner's language."""
    if not case.petitioner_email:
        return False
    subject = text("reply_subject", case_language(case), number=case.number)
    return mail_petitioner(case, f"case:{case.id}:reply:{event_id}", "reply", subject, case.reply)


def tell_extension(case: Case, extension: Extension) -> bool:
    """展期: the new due date and the reason."""
    if not case.petitioner_email:
        return False
    lang = case_language(case)
    body = "\n".join([
        text("extension_body", lang, number=case.number, date=local_date(extension.new_due_at)),
        text("reason_line", lang, reason=extension.reason),
        text("lookup_line", lang, url=lookup_url()),
    ])
    subject = text("extension_subject", lang, number=case.number)
    return mail_petitioner(case, f"case:{case.id}:extension:{extension.id}", "extension", subject, body)


def tell_transfer(case: Case, event_id: int) -> bool:
    """移文: the agency that takes the case over, and how to reach it."""
    if not case.petitioner_email or not case.transferred_to:
        return False
    lang = case_language(case)
    lines = [text("transfer_body", lang, number=case.number, agency=case.transferred_to)]
    if case.transferred_contact:
        lines.append(text("contact_line", lang, contact=case.transferred_contact))
    subject = text("transfer_subject", lang, number=case.number)
    return mail_petitioner(case, f"case:{case.id}:transfer:{event_id}", "transfer", subject, "\n".join(lines))


def tell_merge(case: Case, into: Case) -> bool:
    """併案: the number of the case that now carries theirs; their own number and code still work."""
    if not case.petitioner_email:
        return False
    lang = case_language(case)
    body = "\n".join([
        text("merge_body", lang, number=case.number, into=into.number),
        text("merge_lookup", lang, url=lookup_url()),
    ])
    subject = text("merge_subject", lang, number=case.number, into=into.number)
    return mail_petitioner(case, f"case:{case.id}:merged:{into.id}", "merge", subject, body)


def tell_overdue(case: Case, reason: str | None, expected: str, now: datetime,
                 calendar: WorkCalendar | None = None) -> bool:
    """逾期: the due date passed with no reply; why, and by when the petitioner may expect one. Once per case."""
    lang = case_language(case)
    body = "\n".join([
        text("overdue_body", lang, number=case.number, due=local_date(case.due_at)),
        text("reason_line", lang, reason=reason or text("overdue_reason", lang)),
        text("expected_line", lang, date=expected),
        text("lookup_line", lang, url=lookup_url()),
    ])
    subject = text("overdue_subject", lang, number=case.number)
    return mail_petitioner(case, f"case:{case.id}:overdue", "overdue", subject, body, calendar, now)
