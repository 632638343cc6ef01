"""稽催 of phone-test follow-ups: a reminder before and on the due date, then escalation, each stage once.

A follow-up climbs four stages: "soon" (within the office's before-due days) and "due" go to its assignee;
"overdue" (a working day late) also to the unit's supervisors; "escalated" (the office's escalate-after days
late) to the 研考 staff and the director. Each message is keyed by (task, due-date version, stage, recipient,
channel) in the notification ledger, so a run repeated for the same day, a run on two machines, or the next
day's run queues nothing twice; stages are inclusive, so a day missed is made up on the next run, once.
"""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from feedback_app.extensions import db
from feedback_app.links import public_url
from feedback_app.models import ChaseSettings, PhoneFollowup, PhoneTest, Unit
from feedback_app.services import notify
from feedback_app.services.calendar import next_office_moment

from .clock import WorkingDays, local_date
from .messages import due_version, for_person
from .staff import Person, StaffDirectory

STAGES = ("soon", "due", "overdue", "escalated")
SUBJECTS = {
    "soon": _l("Reminder: the phone test follow-up for %(unit)s is due in %(days)d working days"),
    "due": _l("The phone test follow-up for %(unit)s is due today"),
    "overdue": _l("Overdue: the phone test follow-up for %(unit)s is %(days)d working days late"),
    "escalated": _l("Escalated: the phone test follow-up for %(unit)s is %(days)d working days late"),
}
BODY = _l("%(headline)s\n\nDue date: %(due)s\n\nOpen the phone test: %(link)s\n")


def stages_for(late: int, before_due: int, escalate_after: int) -> list[str]:
    """The stages a follow-up `late` working days past its due date (negative: still ahead) has reached."""
    if late < -before_due:
        return []
    if late < 0:
        return ["soon"]
    if late == 0:
        return ["due"]
    return ["overdue", "escalated"] if late >= escalate_after else ["overdue"]


def _recipients(staff: StaffDirectory, stage: str, assignee_id, office_id: int, unit_id: int) -> list[Person]:
    people = staff.person(assignee_id) or staff.supervisors(office_id, unit_id)
    if stage == "overdue":
        people = people + staff.supervisors(office_id, unit_id)
    elif stage == "escalated":
        people = staff.monitors(office_id) + staff.directors(office_id)
    return list({p.id: p for p in people}.values())


def phone_link(test_id: int) -> str:
    return public_url(f"/phone-tests/{test_id}")


def chase_followups(now: datetime) -> dict:
    """Queue today's reminders and escalations of open phone-test follow-ups; nothing on a non-working day."""
    tasks = db.session.execute(
        sa.select(
            PhoneFollowup.id,
            PhoneFollowup.test_id,
            PhoneFollowup.office_id,
            PhoneFollowup.unit_id,
            PhoneFollowup.assignee_id,
            PhoneFollowup.due_at,
            Unit.name,
        )
        .join(PhoneTest, PhoneTest.id == PhoneFollowup.test_id)
        .join(Unit, Unit.id == PhoneFollowup.unit_id)
        .where(PhoneFollowup.done_at.is_(None))
        .order_by(PhoneFollowup.id)
    ).all()
    today = local_date(now)
    days = WorkingDays.covering(today, *(local_date(t.due_at) for t in tasks))
    if not days.is_working_day(today):
        return {"working_day": False, "queued": 0}
    not_before = next_office_moment(now, days)
    settings = {s.office_id: s for s in db.session.scalars(sa.select(ChaseSettings))}
    staff = StaffDirectory()
    default_locale = current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_TW")
    words: dict = {}
    messages: list[dict] = []
    reached = dict.fromkeys(STAGES, 0)
    for task_id, test_id, office_id, unit_id, assignee_id, due_at, unit_name in tasks:
        ladder = settings.get(office_id)
        before = ladder.before_due_days if ladder else ChaseSettings.DEFAULTS["before_due_days"]
        escalate = ladder.escalate_after_days if ladder else ChaseSettings.DEFAULTS["escalate_after_days"]
        late = days.between(local_date(due_at), today)
        link, due_text, version = phone_link(test_id), local_date(due_at).isoformat(), due_version(due_at)
        for stage in stages_for(late, before, escalate):
            reached[stage] += 1
            for person in _recipients(staff, stage, assignee_id, office_id, unit_id):
                key = (person.locale, stage, unit_name, abs(late), due_text)
                if key not in words:
                    with force_locale(person.locale or default_locale):
                        subject = str(SUBJECTS[stage]) % {"unit": unit_name, "days": abs(late)}
                        body = str(BODY) % {"headline": subject, "due": due_text, "link": link}
                    words[key] = (subject, body)
                subject, body = words[key]
                messages += for_person(
                    person,
                    key=f"phone-followup:{task_id}:{version}:{stage}:u{person.id}",
                    kind=f"phone-followup-{stage}",
                    subject=subject,
                    body=body,
                    link=link,
                    office_id=office_id,
                    case_id=None,
                    not_before=not_before,
                )
    queued = notify.queue_many(messages)
    db.session.commit()
    return {"working_day": True, "queued": queued, "considered": len(messages), **reached}
