"""What the petitioner is sent: mail in the office's language, in office hours, linking to the look-up page."""

from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ...links import public_url
from ...models import (
    Case,
    utcnow,
)
from .. import notify
from ..calendar import TAIPEI, WorkCalendar, next_office_moment


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


def mail_petitioner(case: Case, key: str, kind: str, subject: str, body: str,
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
    return mail_petitioner(case, f"case:{case.id}:ack", "acknowledgement", subject, body, calendar)
