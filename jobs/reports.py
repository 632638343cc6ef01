"""The quarterly report to directors: on the first working day of a quarter, the previous quarter's report of
each office goes to that office's directors and the city's report to the city-wide directors, as .ods and .pdf.

How the attachments travel through the ledger: the ledger row holds the text of the mail and a key that names
what to attach, `report:{office|city}:{id}:{year}q{quarter}:user:{user id}:email` (Gregorian year), with kind
"quarterly-report". The delivery job recognises that kind, parses the key and builds the two files with
`build_quarterly_report` when it sends the row, so no file is stored in the database and a retry after an SMTP
failure sends the same report. The key is unique per scope, quarter and recipient, so each director gets each
report once however often the job runs.

A run queues only on working days from the quarter's first working day up to JOBS_REPORT_GRACE_DAYS working days
later (default 5): the schedule sends on the first working day, and a run caught up after a weekend or a crash
in those days still sends what was missed, once."""

import re
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from feedback_app.extensions import db
from feedback_app.models import City, Office, Role
from feedback_app.services import notify
from feedback_app.services.calendar import next_office_moment
from feedback_app.services.reports import QuarterlyReport, build_quarterly_report
from feedback_app.services.stats import Period

from .clock import WorkingDays, local_date
from .messages import Texts
from .staff import StaffDirectory

KIND = "quarterly-report"
KEY = re.compile(r"^report:(office|city):(\d+):(\d{4})q([1-4]):user:\d+:email$")
ODS = "application/vnd.oasis.opendocument.spreadsheet"


def report_key(scope: str, scope_id: int, year: int, quarter: int, user_id: int) -> str:
    return f"report:{scope}:{scope_id}:{year}q{quarter}:user:{user_id}:email"


def first_working_day(quarter_start: date, days: WorkingDays) -> date:
    return quarter_start if days.is_working_day(quarter_start) else days.next_working_day(quarter_start)


def due_quarter(today: date, days: WorkingDays) -> Period | None:
    """The finished quarter whose report is due today, or None when today is not a day to send it."""
    if not days.is_working_day(today):
        return None
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    first = first_working_day(start, days)
    grace = current_app.config.get("JOBS_REPORT_GRACE_DAYS", 5)
    if not first <= today <= days.add(first, grace):
        return None
    return Period("quarter", today.year, (today.month - 1) // 3 + 1).previous()


def quarterly_reports(now: datetime) -> dict:
    today = local_date(now)
    days = WorkingDays.covering(today)
    period = due_quarter(today, days)
    if period is None:
        return {"queued": 0, "quarter": None}
    staff = StaffDirectory()
    texts = Texts()
    not_before = next_office_moment(now, days)
    messages = []
    without_email = 0
    scopes = [
        ("office", o.id, o.name, staff.by_office_role.get((o.id, Role.DIRECTOR), []), o.id)
        for o in db.session.scalars(sa.select(Office).order_by(Office.id))
    ]
    scopes += [
        ("city", c.id, c.name, staff.city_wide_role.get((c.id, Role.DIRECTOR), []), None)
        for c in db.session.scalars(sa.select(City).order_by(City.id))
    ]
    for scope, scope_id, name, directors, office_id in scopes:
        for person in directors:
            if not person.email:
                without_email += 1
                continue
            with force_locale(person.locale or texts.default):
                label = period.label
            values = {"period": label, "name": name}
            messages.append(
                {
                    "key": report_key(scope, scope_id, period.year, period.index, person.id),
                    "channel": "email",
                    "kind": KIND,
                    "subject": texts.subject(person.locale, KIND, **values),
                    "body": texts.body(person.locale, KIND, **values),
                    "recipient": person.email,
                    "user_id": person.id,
                    "office_id": office_id,
                    "not_before": not_before,
                }
            )
    queued = notify.queue_many(messages)
    db.session.commit()
    return {"queued": queued, "quarter": f"{period.year}-Q{period.index}", "without_email": without_email}


def attachments(key: str, cache: dict) -> list[tuple[bytes, str, str, str]]:
    """The files of a quarterly-report row: (data, maintype, subtype, filename) for the .ods and the .pdf."""
    match = KEY.match(key)
    if match is None:
        raise ValueError(f"not a quarterly report key: {key}")
    scope, scope_id, year, quarter = match.group(1), int(match.group(2)), int(match.group(3)), int(match.group(4))
    if (scope, scope_id, year, quarter) not in cache:
        target = db.session.get(Office if scope == "office" else City, scope_id)
        if target is None:
            raise ValueError(f"no {scope} {scope_id} for {key}")
        report: QuarterlyReport = build_quarterly_report(target, year, quarter)
        maintype, subtype = ODS.split("/")
        cache[(scope, scope_id, year, quarter)] = [
            (report.ods(), maintype, subtype, f"{report.filename}.ods"),
            (report.pdf(), "application", "pdf", f"{report.filename}.pdf"),
        ]
    return cache[(scope, scope_id, year, quarter)]
