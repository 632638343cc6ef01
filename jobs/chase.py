"""稽催: the chase ladder over open cases, extensions and re-handling tasks, and the supervisors' daily digest.

Each reminder is keyed by (what, due-date version, stage, recipient, channel), so a run repeated for the same day,
or by two processes at once, queues nothing new; an extension changes the due-date version and starts a new ladder.
Stages are inclusive ("due within N working days", "N working days late"), so a run missed on the exact day still
reminds on the next one, once."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, CaseState, ChaseSettings, Extension, Office, RehandlingTask
from feedback_app.services import notify
from feedback_app.services.calendar import end_of_day, next_office_moment

from .clock import WorkingDays, local_date
from .messages import Texts, case_link, due_version, for_person
from .runs import insert_for_dialect
from .staff import Person, StaffDirectory


@dataclass(frozen=True)
class Ladder:
    before_due_days: int
    escalate_after_days: int
    unassigned_days: int
    extension_pending_days: int
    rehandling_escalate_after_days: int


def ensure_settings() -> None:
    """Give every office without its own ladder the default one."""
    missing = db.session.scalars(
        sa.select(Office.id).where(~sa.exists().where(ChaseSettings.office_id == Office.id))
    ).all()
    if missing:
        db.session.execute(
            insert_for_dialect(ChaseSettings)
            .values([dict(office_id=office_id, **ChaseSettings.DEFAULTS) for office_id in missing])
            .on_conflict_do_nothing(index_elements=["office_id"])
        )
        db.session.flush()


def ladders() -> dict[int, Ladder]:
    ensure_settings()
    return {
        s.office_id: Ladder(
            s.before_due_days,
            s.escalate_after_days,
            s.unassigned_days,
            s.extension_pending_days,
            s.rehandling_escalate_after_days,
        )
        for s in db.session.scalars(sa.select(ChaseSettings))
    }


@dataclass
class Context:
    now: datetime
    today: object
    days: WorkingDays
    not_before: datetime
    staff: StaffDirectory
    ladders: dict[int, Ladder]
    texts: Texts
    dates: dict = field(default_factory=dict)

    def due_fields(self, due_at: datetime) -> tuple[str, str]:
        """A due date's version and its Taipei day as text; open cases share a few hundred due dates."""
        if due_at not in self.dates:
            self.dates[due_at] = (due_version(due_at), local_date(due_at).isoformat())
        return self.dates[due_at]

    def lateness(self, due_at: datetime) -> int:
        """Working days from a due date to today (negative while it is still ahead), once per due date."""
        key = ("late", due_at)
        if key not in self.dates:
            self.dates[key] = self.days.between(local_date(due_at), self.today)
        return self.dates[key]


def _context(now: datetime, earliest: datetime | None) -> Context:
    today = local_date(now)
    days = WorkingDays.covering(today, local_date(earliest) if earliest else today)
    return Context(now, today, days, next_office_moment(now, days), StaffDirectory(), ladders(), Texts())


def _ladder_stage(late: int, ladder_before: int) -> str | None:
    """The stage for a due date `late` working days ago (negative: still ahead)."""
    if late < -ladder_before:
        return None
    if late < 0:
        return "soon"
    return "due" if late == 0 else "overdue"


def _ladder_recipients(
    ctx: Context,
    stage: str,
    late: int,
    escalate_after: int,
    officer_id: int | None,
    office_id: int,
    unit_id: int | None,
) -> list[Person]:
    people = ctx.staff.person(officer_id)
    if stage in ("due", "overdue"):
        people += ctx.staff.supervisors(office_id, unit_id)
    if stage == "overdue" and late >= escalate_after:
        people += ctx.staff.monitors(office_id) + ctx.staff.directors(office_id)
    unique = {p.id: p for p in people}
    return list(unique.values())


def _reminders(
    ctx: Context,
    *,
    prefix: str,
    kind_prefix: str,
    number: str,
    due_at: datetime,
    late: int,
    stage: str,
    people: list[Person],
    office_id: int,
    case_id: int,
) -> list[dict]:
    kind = f"{kind_prefix}{stage}"
    link = case_link(number)
    stage_key = f"overdue-{late}" if stage == "overdue" else stage
    version, due_text = ctx.due_fields(due_at)
    prefix = f"{prefix}:{version}:{stage_key}:u"
    words: dict[str | None, tuple[str, str]] = {}  # one subject and body per locale, shared by its readers
    messages = []
    for person in people:
        if person.locale not in words:
            subject = ctx.texts.subject(person.locale, kind, number=number, days=abs(late))
            body = ctx.texts.body(
                person.locale, "staff", headline=subject, number=number, due=due_text, link=link
            )
            words[person.locale] = (subject, body)
        subject, body = words[person.locale]
        messages += for_person(
            person,
            key=f"{prefix}{person.id}",
            kind=kind,
            subject=subject,
            body=body,
            link=link,
            office_id=office_id,
            case_id=case_id,
            not_before=ctx.not_before,
        )
    return messages


_OPEN = (Case.state.in_(CaseState.OPEN), Case.purged_at.is_(None))


def _earliest_open() -> datetime | None:
    """The earliest date an open case's ladder looks at, so the working-day table spans it."""
    due, received = db.session.execute(
        sa.select(sa.func.min(Case.due_at), sa.func.min(Case.received_at)).where(*_OPEN)
    ).one()
    return min([d for d in (due, received) if d is not None], default=None)


def _horizon(ctx: Context) -> datetime:
    """The latest due date any office's ladder reminds about today."""
    ahead = max(
        [ladder.before_due_days for ladder in ctx.ladders.values()]
        + [ChaseSettings.DEFAULTS["before_due_days"]]
    )
    return end_of_day(ctx.days.add(ctx.today, ahead))


def _open_cases(ctx: Context):
    """Open cases on a rung of some ladder today: due up to the horizon, or not yet assigned. Cases due later
    are left in the database, so a day's run reads the few thousand cases it may act on, not every open one."""
    return db.session.execute(
        sa.select(
            Case.id,
            Case.number,
            Case.office_id,
            Case.unit_id,
            Case.assignee_id,
            Case.due_at,
            Case.received_at,
        )
        .where(*_OPEN, sa.or_(Case.due_at <= _horizon(ctx), Case.assignee_id.is_(None)))
        .order_by(Case.id)
    ).all()


def _earliest(rows, column: int) -> datetime | None:
    return min((r[column] for r in rows), default=None)


def chase(now: datetime) -> dict:
    """Queue today's reminders and escalations; nothing on a day that is not a working day."""
    extensions = db.session.execute(
        sa.select(
            Extension.id,
            Extension.requested_at,
            Extension.needs_director,
            Case.id,
            Case.number,
            Case.office_id,
            Case.unit_id,
        )
        .join(Case, Case.id == Extension.case_id)
        .where(Extension.state == "pending", Case.state.in_(CaseState.OPEN))
    ).all()
    tasks = db.session.execute(
        sa.select(
            RehandlingTask.id,
            RehandlingTask.due_at,
            RehandlingTask.assignee_id,
            RehandlingTask.office_id,
            RehandlingTask.unit_id,
            Case.id,
            Case.number,
        )
        .join(Case, Case.id == RehandlingTask.case_id)
        .where(RehandlingTask.done_at.is_(None))
    ).all()
    earliest = min(
        [d for d in (_earliest_open(), _earliest(extensions, 1), _earliest(tasks, 1)) if d is not None],
        default=None,
    )
    ctx = _context(now, earliest)
    if not ctx.days.is_working_day(ctx.today):
        return {"working_day": False, "queued": 0}
    cases = _open_cases(ctx)
    default = Ladder(**ChaseSettings.DEFAULTS)
    messages: list[dict] = []
    counts: dict[str, int] = defaultdict(int)

    def climb(prefix, kind_prefix, escalate_after, stage, late, assignee_id, office_id, unit_id, case_id, number,
              due_at) -> list[dict]:
        """The reminders of one rung of the ladder, for a case or a re-handling task."""
        people = _ladder_recipients(ctx, stage, late, escalate_after, assignee_id, office_id, unit_id)
        return _reminders(ctx, prefix=prefix, kind_prefix=kind_prefix, number=number, due_at=due_at, late=late,
                          stage=stage, people=people, office_id=office_id, case_id=case_id)

    for case_id, number, office_id, unit_id, assignee_id, due_at, received_at in cases:
        ladder = ctx.ladders.get(office_id, default)
        late = ctx.lateness(due_at)
        stage = _ladder_stage(late, ladder.before_due_days)
        if stage:
            messages += climb(f"chase:case:{case_id}", "", ladder.escalate_after_days, stage, late,
                              assignee_id, office_id, unit_id, case_id, number, due_at)
            counts[stage] += 1
        if assignee_id is None:
            waited = ctx.days.between(local_date(received_at), ctx.today)
            if waited >= ladder.unassigned_days:
                people = list(
                    {
                        p.id: p
                        for p in ctx.staff.supervisors(office_id, unit_id) + ctx.staff.monitors(office_id)
                    }.values()
                )
                messages += _unassigned(ctx, case_id, number, office_id, waited, people)
                counts["unassigned"] += 1
    for ext_id, requested_at, needs_director, case_id, number, office_id, unit_id in extensions:
        ladder = ctx.ladders.get(office_id, default)
        if ctx.days.between(local_date(requested_at), ctx.today) >= ladder.extension_pending_days:
            people = ctx.staff.supervisors(office_id, unit_id)
            if needs_director:
                people = people + ctx.staff.directors(office_id)
            messages += _extension(ctx, ext_id, case_id, number, office_id, people)
            counts["extension"] += 1
    for task_id, due_at, assignee_id, office_id, unit_id, case_id, number in tasks:
        ladder = ctx.ladders.get(office_id, default)
        late = ctx.days.between(local_date(due_at), ctx.today)
        stage = _ladder_stage(late, ladder.before_due_days)
        if stage:
            messages += climb(f"chase:rehandling:{task_id}", "rehandling-", ladder.rehandling_escalate_after_days,
                              stage, late, assignee_id, office_id, unit_id, case_id, number, due_at)
            counts[f"rehandling-{stage}"] += 1
    queued = notify.queue_many(messages)
    db.session.commit()
    return {"working_day": True, "queued": queued, "considered": len(messages), **counts}


def _unassigned(ctx: Context, case_id, number, office_id, waited, people) -> list[dict]:
    link = case_link(number)
    messages = []
    for person in people:
        subject = ctx.texts.subject(person.locale, "unassigned", number=number, days=waited)
        body = ctx.texts.body(person.locale, "staff", headline=subject, number=number, due="-", link=link)
        messages += for_person(
            person,
            key=f"chase:unassigned:{case_id}:u{person.id}",
            kind="unassigned",
            subject=subject,
            body=body,
            link=link,
            office_id=office_id,
            case_id=case_id,
            not_before=ctx.not_before,
        )
    return messages


def _extension(ctx: Context, ext_id, case_id, number, office_id, people) -> list[dict]:
    link = case_link(number)
    messages = []
    for person in people:
        subject = ctx.texts.subject(person.locale, "extension", number=number)
        body = ctx.texts.body(person.locale, "staff", headline=subject, number=number, due="-", link=link)
        messages += for_person(
            person,
            key=f"chase:extension:{ext_id}:u{person.id}",
            kind="extension",
            subject=subject,
            body=body,
            link=link,
            office_id=office_id,
            case_id=case_id,
            not_before=ctx.not_before,
        )
    return messages


def digest(now: datetime) -> dict:
    """One digest per supervisor on a working day: due soon, overdue, extensions waiting in their unit."""
    ctx = _context(now, _earliest_open())
    if not ctx.days.is_working_day(ctx.today):
        return {"working_day": False, "queued": 0}
    cases = _open_cases(ctx)
    default = Ladder(**ChaseSettings.DEFAULTS)
    soon: dict[tuple, list[str]] = defaultdict(list)
    overdue: dict[tuple, list[str]] = defaultdict(list)
    pending: dict[tuple, list[str]] = defaultdict(list)
    for _case_id, number, office_id, unit_id, _assignee, due_at, _received in cases:
        late = ctx.days.between(local_date(due_at), ctx.today)
        if late > 0:
            overdue[(office_id, unit_id)].append(number)
        elif late >= -ctx.ladders.get(office_id, default).before_due_days:
            soon[(office_id, unit_id)].append(number)
    for number, office_id, unit_id in db.session.execute(
        sa.select(Case.number, Case.office_id, Case.unit_id)
        .join(Extension, Extension.case_id == Case.id)
        .where(Extension.state == "pending")
    ):
        pending[(office_id, unit_id)].append(number)
    messages = []
    day = ctx.today.isoformat()
    base = case_link("").rstrip("/")
    for person in ctx.staff.people.values():
        if person.role != "supervisor" or person.office_id is None:
            continue
        scope = _digest_scope(ctx, person)
        lists = [sorted(n for key in scope for n in table.get(key, [])) for table in (soon, overdue, pending)]
        none = ctx.texts.none(person.locale)
        subject = ctx.texts.subject(
            person.locale, "digest", soon=len(lists[0]), overdue=len(lists[1]), pending=len(lists[2])
        )
        body = ctx.texts.body(
            person.locale,
            "digest",
            date=day,
            soon_list=", ".join(lists[0]) or none,
            overdue_list=", ".join(lists[1]) or none,
            pending_list=", ".join(lists[2]) or none,
            link=base,
        )
        messages += for_person(
            person,
            key=f"digest:{day}:u{person.id}",
            kind="digest",
            subject=subject,
            body=body,
            link=base,
            office_id=person.office_id,
            case_id=None,
            not_before=ctx.not_before,
        )
    queued = notify.queue_many(messages)
    db.session.commit()
    return {"working_day": True, "queued": queued, "supervisors": len(messages)}


def _digest_scope(ctx: Context, person: Person) -> list[tuple]:
    """The (office, unit) pairs a supervisor answers for: their unit, plus cases without a unit when they are
    the office's fallback supervisor."""
    scope = [(person.office_id, person.unit_id)]
    if person.unit_id is None or person in ctx.staff.supervisors(person.office_id, None):
        scope.append((person.office_id, None))
    return scope
