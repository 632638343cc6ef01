"""The words of each reminder, translated once per locale and filled in per message."""

import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from feedback_app.links import public_url
from feedback_app.services.calendar import TAIPEI

from .staff import Person

SUBJECTS = {
    "soon": _l("Reminder: case %(number)s is due in %(days)d working days"),
    "due": _l("Case %(number)s is due today"),
    "overdue": _l("Overdue: case %(number)s is %(days)d working days late"),
    "unassigned": _l("Case %(number)s has not been assigned for %(days)d working days"),
    "extension": _l("The extension request for case %(number)s is waiting for your approval"),
    "rehandling-soon": _l("Re-handling of case %(number)s is due in %(days)d working days"),
    "rehandling-due": _l("Re-handling of case %(number)s is due today"),
    "rehandling-overdue": _l("Overdue: re-handling of case %(number)s is %(days)d working days late"),
    "close": _l("Case %(number)s was replied to %(days)d working days ago and is not closed yet"),
    "chase-digest": _l("Chase reminders for %(date)s: %(count)d cases, %(overdue)d overdue"),
    "digest": _l("Daily digest: %(soon)d due soon, %(overdue)d overdue, %(pending)d waiting for approval"),
    "petitioner-rating": _l("How satisfied are you with the reply to case %(number)s?"),
    "quarterly-report": _l("Quarterly report %(period)s: %(name)s"),
}

BODIES = {
    "staff": _l("%(headline)s\n\nCase number: %(number)s\nDue date: %(due)s\n\nOpen the case: %(link)s\n"),
    "digest": _l(
        "Your unit today (%(date)s):\n\nDue soon: %(soon_list)s\nOverdue: %(overdue_list)s\n"
        "Extensions waiting for approval: %(pending_list)s\n\n%(link)s\n"
    ),
    "petitioner-rating": _l(
        "Your case %(number)s is closed. Please tell us how satisfied you are with our reply: %(link)s\n"
    ),
    "quarterly-report": _l(
        "The service satisfaction and response report of %(name)s for %(period)s is attached, "
        "as a spreadsheet (.ods) and as a PDF.\n"
    ),
}

NONE = _l("none")

DIGEST_KIND = "chase-digest"

# The headings of a staff member's morning mail, one per stage (chase_rules.SECTION_ORDER gives their order).
SECTIONS = {
    "overdue": _l("Overdue"),
    "rehandling-overdue": _l("Re-handling overdue"),
    "due": _l("Due today"),
    "rehandling-due": _l("Re-handling due today"),
    "soon": _l("Due soon"),
    "rehandling-soon": _l("Re-handling due soon"),
    "unassigned": _l("Not yet assigned"),
    "extension": _l("Extensions waiting for your approval"),
    "close": _l("Replied, waiting to be closed"),
}
MAIL_INTRO = _l("Your cases to look at today (%(date)s), the most pressing first:")
MAIL_FOOTER = _l("Each reminder is also on your landing page.")
MAIL_MORE = _l("… and %(count)d more reminders on your landing page.")
MAIL_MAX_LINES = 200  # a city-wide monitor may have thousands: the mail lists the most pressing, the page all


class Texts:
    """Translated templates per locale; `render` fills one in with `%`, without a locale switch per message."""

    def __init__(self):
        self.default = current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_TW")
        self.cache: dict[str, dict[str, str]] = {}

    def templates(self, locale: str | None) -> dict[str, str]:
        locale = locale or self.default
        if locale not in self.cache:
            with force_locale(locale):
                table = {f"subject:{k}": str(v) for k, v in SUBJECTS.items()}
                table.update({f"body:{k}": str(v) for k, v in BODIES.items()})
                table["none"] = str(NONE)
                table.update({f"section:{k}": str(v) for k, v in SECTIONS.items()})
                table["mail:intro"] = str(MAIL_INTRO)
                table["mail:footer"] = str(MAIL_FOOTER)
                table["mail:more"] = str(MAIL_MORE)
            self.cache[locale] = table
        return self.cache[locale]

    def subject(self, locale: str | None, kind: str, **values) -> str:
        return self.templates(locale)[f"subject:{kind}"] % values

    def body(self, locale: str | None, kind: str, **values) -> str:
        return self.templates(locale)[f"body:{kind}"] % values

    def none(self, locale: str | None) -> str:
        return self.templates(locale)["none"]

    def chase_mail(self, locale: str | None, day: str, lines: list[dict]) -> tuple[str, str]:
        """The subject and body of one person's morning mail: their items by stage, in the order given."""
        table = self.templates(locale)
        overdue = len({line["number"] for line in lines if line["kind"].endswith("overdue")})
        subject = table["subject:chase-digest"] % {
            "date": day, "count": len({line["number"] for line in lines}), "overdue": overdue
        }
        parts = [table["mail:intro"] % {"date": day}]
        section = None
        for line in lines[:MAIL_MAX_LINES]:
            if line["kind"] != section:
                section = line["kind"]
                parts.append(f"\n{table.get(f'section:{section}', section)}")
            parts.append(f"- {line['subject']}\n  {line['link']}")
        if len(lines) > MAIL_MAX_LINES:
            parts.append("\n" + table["mail:more"] % {"count": len(lines) - MAIL_MAX_LINES})
        parts.append(f"\n{table['mail:footer']}\n")
        return subject, "\n".join(parts)


def case_link(number: str) -> str:
    return public_url(f"/cases/{number}")


def due_version(due_at: datetime) -> str:
    """A short fingerprint of a due date: a new due date (an extension) starts a new ladder."""
    return hashlib.sha1(due_at.isoformat().encode()).hexdigest()[:10]


def local_day(moment: datetime) -> str:
    return moment.astimezone(TAIPEI).date().isoformat()


def for_person(
    person: Person,
    *,
    key: str,
    kind: str,
    subject: str,
    body: str,
    link: str | None,
    office_id: int | None,
    case_id: int | None,
    not_before: datetime,
) -> list[dict]:
    """One reminder to one staff member: by email when they have an address, in the app only otherwise.
    Either way it is theirs (user_id), so it shows on their landing page."""
    if person.email:
        key, channel, recipient = f"{key}:email", "email", person.email
    else:
        key, channel, recipient = f"{key}:inapp", "inapp", None
    message = {
        "key": key,
        "channel": channel,
        "kind": kind,
        "subject": subject,
        "body": body,
        "link": link,
        "user_id": person.id,
        "office_id": office_id,
        "case_id": case_id,
        "not_before": not_before,
    }
    if recipient:
        message["recipient"] = recipient
    return [message]
