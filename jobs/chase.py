"""稽催: the chase ladder over open cases, extensions and re-handling tasks, and the supervisors' daily digest.

The rules (stages, rungs, the nudge to close a replied case) are pure functions in
feedback_app.services.chase_rules; this job reads the cases, applies them and queues the result.

Each reminder is an item of the ledger keyed by (what, due-date version, stage, recipient), so a run repeated for
the same day, or by two processes at once, queues nothing new; an extension changes the due-date version and starts
a new ladder. Items are shown in the app, one per case; by mail each staff member gets at most one message a
working morning, listing the items this run queued for them (keyed by the day and the person, in the same
transaction as the items, so a run killed half-way or run twice mails nothing twice).
Stages are inclusive ("due within N working days", "N working days late"), so a run missed on the exact day still
reminds on the next one, once."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from feedback_app.extensions import db, upsert_insert
from feedback_app.models import Case, CaseState, ChaseSettings, Extension, Office, RehandlingTask
from feedback_app.services import chase_rules as rules
from feedback_app.services import notify
from feedback_app.services.calendar import end_of_day, next_office_moment
from feedback_app.services.chase_rules import Ladder

from .clock import WorkingDays, local_date
from .messages import DIGEST_KIND, Texts, case_link, due_version, for_person
from .staff import Person, StaffDirectory


def ensure_settings() -> None:
    """Give every office without its own ladder the default one."""
    missing = db.session.scalars(
        sa.select(Office.id).where(~sa.exists().where(ChaseSettings.office_id == Office.id))
    ).all()
    if missing:
        db.session.execute(
            upsert_insert(ChaseSettings)
            .values([dict(office_id=office_id, **ChaseSettings.DEFAULTS) for office_id in missing])
            .on_conflict_do_nothing(index_elements=["office_id"])
        )
        db.session.flush()


def ladders() -> dict[int, Ladder]:
    ensure_settings()
    return {
        s.office_id: Ladder(**{name: getattr(s, name) for name in ChaseSettings.DEFAULTS})
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

    def ladder(self, office_id: int) -> Ladder:
        return self.ladders.get(office_id) or rules.DEFAULTS

    def people(self, roles: tuple[str, ...], officer_id: int | None, office_id: int, unit_id: int | None):
        """The people on the given rungs of a case of this office and unit, each once."""
        people: list[Person] = []
        for role in roles:
            if role == rules.OFFICER:
                people += self.staff.person(officer_id)
            elif role == rules.SUPERVISOR:
                people += self.staff.supervisors(office_id, unit_id)
            elif role == rules.MONITOR:
                people += self.staff.monitors(office_id)
            elif role == rules.DIRECTOR:
                people += self.staff.directors(office_id)
        if len(people) < 2:
            return people
        return list({p.id: p for p in people}.values())


def _context(now: datetime, earliest: datetime | None) -> Context:
    today = local_date(now)
    days = WorkingDays.covering(today, local_date(earliest) if earliest else today)
    return Context(now, today, days, next_office_moment(now, days), StaffDirectory(), ladders(), Texts())


class Items:
    """The run's ledger items, and for each person the lines of their morning mail."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.rows: list[dict] = []
        # On PostgreSQL the items are written as COPY text straight away (notify.CopyRows), elsewhere as dicts.
        self.copied = notify.CopyRows(ctx.not_before) if db.engine.dialect.name == "postgresql" else None
        # item key -> (person id, kind, days, case number, subject): what the reader's mail says of it
        self.lines: dict[str, tuple] = {}
        self.base = case_link("")  # links are this base and the case number, built once per run

    def add(self, people: list[Person], *, key: str, kind: str, number: str, days: int, due_text: str,
            office_id: int, case_id: int) -> None:
        if not people:
            return
        ctx = self.ctx
        link = self.base + number
        not_before = ctx.not_before
        copied = self.copied
        words: dict[str | None, tuple] = {}  # one subject and body per locale, shared by its readers
        for person in people:
            locale = person.locale
            if locale not in words:
                subject = ctx.texts.subject(locale, kind, number=number, days=days)
                body = ctx.texts.body(locale, "staff", headline=subject, number=number, due=due_text, link=link)
                shared = copied and copied.shared(channel="inapp", kind=kind, subject=subject, body=body, link=link,
                                                  office_id=office_id, case_id=case_id)
                words[locale] = (subject, body, shared)
            subject, body, shared = words[locale]
            item_key = f"{key}:u{person.id}:inapp"
            if copied is not None:
                copied.add(item_key, person.id, shared)
            else:
                self.rows.append({"key": item_key, "channel": "inapp", "kind": kind, "subject": subject,
                                  "body": body, "link": link, "user_id": person.id, "office_id": office_id,
                                  "case_id": case_id, "not_before": not_before})
            if person.email:
                self.lines[item_key] = (person.id, kind, days, number, subject)

    def count(self) -> int:
        return len(self.copied.keys) if self.copied is not None else len(self.rows)

    def queue(self) -> tuple[int, int]:
        """Queue the items, then one mail per person for the items that were new; (items, mails) queued."""
        new = notify.queue_copied(self.copied) if self.copied is not None else notify.queue_many_keys(self.rows)
        mine: dict[int, list[dict]] = defaultdict(list)
        for key in new:
            line = self.lines.get(key)
            if line is not None:
                person_id, kind, days, number, subject = line
                mine[person_id].append(
                    {"kind": kind, "days": days, "number": number, "subject": subject, "link": self.base + number}
                )
        day = self.ctx.today.isoformat()
        mails = []
        for person_id, lines in mine.items():
            person = self.ctx.staff.people[person_id]
            subject, body = self.ctx.texts.chase_mail(person.locale, day, rules.digest_order(lines))
            mails += for_person(
                person,
                key=f"chase:mail:{day}:u{person.id}",
                kind=DIGEST_KIND,
                subject=subject,
                body=body,
                link=self.base.rstrip("/"),
                office_id=person.office_id,
                case_id=None,
                not_before=self.ctx.not_before,
            )
        return len(new), notify.queue_many(mails)


_OPEN = (Case.state.in_(CaseState.OPEN), Case.purged_at.is_(None))
# On the due-date ladder: open and not yet replied (the reply meets the due date).
_CHASED = (Case.state.in_([s for s in CaseState.OPEN if s != CaseState.REPLIED]), Case.purged_at.is_(None))


def _earliest_open() -> datetime | None:
    """The earliest date an open case's ladder looks at, so the working-day table spans it."""
    due, received, replied = db.session.execute(
        sa.select(sa.func.min(Case.due_at), sa.func.min(Case.received_at), sa.func.min(Case.replied_at))
        .where(*_OPEN)
    ).one()
    return min([d for d in (due, received, replied) if d is not None], default=None)


def _horizon(ctx: Context) -> datetime:
    """The latest due date any office's ladder reminds about today."""
    ahead = max(
        [ladder.before_due_days for ladder in ctx.ladders.values()]
        + [ChaseSettings.DEFAULTS["before_due_days"]]
    )
    return end_of_day(ctx.days.add(ctx.today, ahead))


def _open_cases(ctx: Context):
    """Unreplied open cases on a rung of some ladder today: due up to the horizon, or not yet assigned. Cases due
    later are left in the database, so a day's run reads the few thousand cases it may act on, not every open
    one."""
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
        .where(*_CHASED, sa.or_(Case.due_at <= _horizon(ctx), Case.assignee_id.is_(None)))
        .order_by(Case.id)
    ).all()


def _replied_cases():
    return db.session.execute(
        sa.select(Case.id, Case.number, Case.office_id, Case.unit_id, Case.assignee_id, Case.replied_at)
        .where(Case.state == CaseState.REPLIED, Case.purged_at.is_(None), Case.replied_at.is_not(None))
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
    items = Items(ctx)
    counts: dict[str, int] = defaultdict(int)
    people_of: dict[tuple, list[Person]] = {}  # by (rungs, officer, office, unit): many cases share them

    def people(roles, officer_id, office_id, unit_id) -> list[Person]:
        key = (roles, officer_id, office_id, unit_id)
        found = people_of.get(key)
        if found is None:
            found = people_of[key] = ctx.people(roles, officer_id, office_id, unit_id)
        return found

    for case_id, number, office_id, unit_id, assignee_id, due_at, received_at in _open_cases(ctx):
        ladder = ctx.ladder(office_id)
        late = ctx.lateness(due_at)
        stage = rules.stage(late, ladder.before_due_days)
        if stage:
            version, due_text = ctx.due_fields(due_at)
            stage_key = f"overdue-{late}" if stage == rules.OVERDUE else stage
            items.add(people(rules.rungs(late, ladder), assignee_id, office_id, unit_id),
                      key=f"chase:case:{case_id}:{version}:{stage_key}", kind=stage, number=number,
                      days=abs(late), due_text=due_text, office_id=office_id, case_id=case_id)
            counts[stage] += 1
        if assignee_id is None:
            waited = ctx.days.between(local_date(received_at), ctx.today)
            if waited >= ladder.unassigned_days:
                recipients = list(
                    {p.id: p for p in ctx.staff.supervisors(office_id, unit_id) + ctx.staff.monitors(office_id)}
                    .values()
                )
                items.add(recipients, key=f"chase:unassigned:{case_id}", kind="unassigned", number=number,
                          days=waited, due_text="-", office_id=office_id, case_id=case_id)
                counts["unassigned"] += 1
    for case_id, number, office_id, unit_id, assignee_id, replied_at in _replied_cases():
        ladder = ctx.ladder(office_id)
        since = ctx.days.between(local_date(replied_at), ctx.today)
        if rules.needs_close_nudge(since, ladder):
            officer = ctx.staff.person(assignee_id) or ctx.staff.supervisors(office_id, unit_id)
            items.add(officer, key=f"chase:close:{case_id}:{due_version(replied_at)}", kind=rules.CLOSE,
                      number=number, days=since, due_text="-", office_id=office_id, case_id=case_id)
            counts[rules.CLOSE] += 1
    for ext_id, requested_at, needs_director, case_id, number, office_id, unit_id in extensions:
        ladder = ctx.ladder(office_id)
        waited = ctx.days.between(local_date(requested_at), ctx.today)
        if waited >= ladder.extension_pending_days:
            recipients = ctx.staff.supervisors(office_id, unit_id)
            if needs_director:
                recipients = recipients + ctx.staff.directors(office_id)
            items.add(recipients, key=f"chase:extension:{ext_id}", kind="extension", number=number, days=waited,
                      due_text="-", office_id=office_id, case_id=case_id)
            counts["extension"] += 1
    for task_id, due_at, assignee_id, office_id, unit_id, case_id, number in tasks:
        ladder = ctx.ladder(office_id)
        late = ctx.days.between(local_date(due_at), ctx.today)
        stage = rules.stage(late, ladder.before_due_days)
        if stage:
            version, due_text = ctx.due_fields(due_at)
            stage_key = f"overdue-{late}" if stage == rules.OVERDUE else stage
            items.add(ctx.people(rules.rungs(late, ladder, rehandling=True), assignee_id, office_id, unit_id),
                      key=f"chase:rehandling:{task_id}:{version}:{stage_key}", kind=f"rehandling-{stage}",
                      number=number, days=abs(late), due_text=due_text, office_id=office_id, case_id=case_id)
            counts[f"rehandling-{stage}"] += 1
    queued, mails = items.queue()
    db.session.commit()
    return {"working_day": True, "queued": queued + mails, "items": queued, "mails": mails,
            "considered": items.count(), **counts}


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
