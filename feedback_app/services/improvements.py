"""檢討改進: the improvement action register, what each action targeted before and after it was done, and the
quarter's review of top dissatisfaction reasons and case categories beside the actions taken on them.

Before and after: windows of the same length on each side of the day the action was done (up to
WINDOW_DAYS, fewer while less time has passed since), each rate with its 95% Wilson interval and the too-few
mark of services/stats.py.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Answer,
    Case,
    CaseCategory,
    City,
    Counter,
    ImprovementAction,
    ImprovementState,
    ImprovementTarget,
    Office,
    PhoneTest,
    Question,
    Rating,
    Role,
    User,
    utcnow,
)
from ..models.improvement import IMPROVEMENT_TEXT_MAX
from . import stats
from .access import can_access_office, ensure_access, require_role, scoped
from .analytics import CITIZEN_CHANNELS
from .calendar import TAIPEI
from .errors import NotFound, ValidationFailed
from .phone_tests import Share
from .rollups import Filters, reason_counts
from .stats import Period

WRITERS = (Role.SUPERVISOR, Role.MONITOR, Role.DIRECTOR, Role.ADMIN)
WINDOW_DAYS = 90
TOP = 5

STATE_LABELS = {
    ImprovementState.PLANNED: _l("Planned"),
    ImprovementState.IN_PROGRESS: _l("In progress"),
    ImprovementState.DONE: _l("Done"),
    ImprovementState.DROPPED: _l("Dropped"),
}
TARGET_LABELS = {
    ImprovementTarget.REASON: _l("Dissatisfaction reason"),
    ImprovementTarget.CATEGORY: _l("Case category"),
    ImprovementTarget.COUNTER: _l("Counter"),
    ImprovementTarget.PHONE_TEST: _l("Phone courtesy test"),
}


@dataclass
class ActionInput:
    office_id: int | None
    problem: str | None
    target: str | None  # "kind:ref", e.g. "reason:wait_long", "counter:12"
    measure: str | None
    owner_id: int | None
    due_date: date | None
    state: str | None = ImprovementState.PLANNED
    dropped_reason: str | None = None


def reason_labels(city_id: int) -> dict[str, str]:
    """{code: newest zh_TW wording} of the city's dissatisfaction reasons."""
    from .analytics import _reason_labels

    return _reason_labels(db.session.get(City, city_id))


def category_label(category: CaseCategory) -> str:
    return (category.names or {}).get("zh_TW") or category.code


def _target_record(kind: str, ref: str, office: Office):
    """The record (or reason code) an action targets, or None when there is no such target for the office."""
    if kind == ImprovementTarget.REASON:
        return ref if ref in reason_labels(office.city_id) else None
    if not ref.isdigit():
        return None
    if kind == ImprovementTarget.CATEGORY:
        found = db.session.get(CaseCategory, int(ref))
        return found if found is not None and found.city_id == office.city_id else None
    model = {ImprovementTarget.COUNTER: Counter, ImprovementTarget.PHONE_TEST: PhoneTest}.get(kind)
    found = db.session.get(model, int(ref)) if model else None
    return found if found is not None and found.office_id == office.id else None


def target_label(action: ImprovementAction) -> str:
    """What an action targets, as a reader names it: 不滿意原因：等候太久, 櫃檯：綜合受理櫃檯 1 …"""
    kind = str(TARGET_LABELS.get(action.target_kind, action.target_kind))
    office = action.office
    record = _target_record(action.target_kind, action.target_ref, office) if office else None
    if action.target_kind == ImprovementTarget.REASON:
        name = reason_labels(office.city_id).get(action.target_ref, action.target_ref)
    elif isinstance(record, CaseCategory):
        name = category_label(record)
    elif isinstance(record, Counter):
        name = record.name
    elif isinstance(record, PhoneTest):
        name = f"{record.unit.name} {record.called_at.astimezone(TAIPEI):%Y-%m-%d %H:%M}"
    else:
        name = action.target_ref
    return f"{kind}：{name}"


def _check(actor: User, data: ActionInput, today: date, existing: ImprovementAction | None) -> dict:
    errors: dict[str, str] = {}
    office = db.session.get(Office, data.office_id) if data.office_id else None
    if office is None or not can_access_office(actor, office.id):
        errors["office_id"] = str(_l("Choose one of your offices."))
    values: dict = {}
    for name in ("problem", "measure"):
        text = (getattr(data, name) or "").strip()
        if not text:
            errors[name] = str(_l("This field is required."))
        elif len(text) > IMPROVEMENT_TEXT_MAX:
            errors[name] = str(_l("At most %(n)d characters.", n=IMPROVEMENT_TEXT_MAX))
        values[name] = text
    kind, _, ref = (data.target or "").partition(":")
    if kind not in ImprovementTarget.ALL or not ref:
        errors["target"] = str(_l("Link the problem to a dissatisfaction reason, a case category, a counter or a "
                                  "phone test."))
    elif office is not None and _target_record(kind, ref, office) is None:
        errors["target"] = str(_l("There is no such %(kind)s for this office.", kind=TARGET_LABELS[kind]))
    owner = db.session.get(User, data.owner_id) if data.owner_id else None
    if owner is None or not owner.active or (
        office is not None and (owner.city_id != office.city_id or owner.office_id not in (None, office.id))
    ):
        errors["owner_id"] = str(_l("Choose an active staff member of the office as owner."))
    if data.due_date is None:
        errors["due_date"] = str(_l("Give a due date."))
    elif data.due_date < today and (existing is None or existing.due_date != data.due_date):
        errors["due_date"] = str(_l("The due date cannot be in the past."))
    state = data.state or ImprovementState.PLANNED
    reason = (data.dropped_reason or "").strip()
    if state not in ImprovementState.ALL:
        errors["state"] = str(_l("Choose a state."))
    elif state == ImprovementState.DROPPED and not reason:
        errors["dropped_reason"] = str(_l("Say why the action is dropped."))
    if len(reason) > IMPROVEMENT_TEXT_MAX:
        errors["dropped_reason"] = str(_l("At most %(n)d characters.", n=IMPROVEMENT_TEXT_MAX))
    if errors:
        raise ValidationFailed(_l("The improvement action was not saved; nothing changed."), details=errors)
    return {
        **values,
        "office_id": office.id,
        "target_kind": kind,
        "target_ref": ref,
        "owner_id": owner.id,
        "due_date": data.due_date,
        "state": state,
        "dropped_reason": reason if state == ImprovementState.DROPPED else None,
    }


def _apply(action: ImprovementAction, values: dict, now: datetime) -> None:
    for name, value in values.items():
        setattr(action, name, value)
    if action.state == ImprovementState.DONE:
        action.done_at = action.done_at or now
    else:
        action.done_at = None
    action.updated_at = now


def create_action(actor: User, data: ActionInput, now: datetime | None = None) -> ImprovementAction:
    require_role(actor, *WRITERS)
    now = now or utcnow()
    values = _check(actor, data, now.astimezone(TAIPEI).date(), None)
    action = ImprovementAction(created_by_id=actor.id, created_at=now)
    _apply(action, values, now)
    db.session.add(action)
    db.session.flush()
    return action


def update_action(
    actor: User, action: ImprovementAction, data: ActionInput, now: datetime | None = None
) -> ImprovementAction:
    require_role(actor, *WRITERS)
    ensure_access(actor, action)
    now = now or utcnow()
    values = _check(actor, data, now.astimezone(TAIPEI).date(), action)
    _apply(action, values, now)
    db.session.flush()
    return action


def get_action(action_id: int, actor: User) -> ImprovementAction:
    require_role(actor, *WRITERS)
    action = db.session.get(ImprovementAction, action_id)
    if action is None:
        raise NotFound()
    return ensure_access(actor, action)


def list_actions(actor: User, state: str | None = None) -> list[ImprovementAction]:
    require_role(actor, *WRITERS)
    stmt = scoped(sa.select(ImprovementAction), ImprovementAction, actor)
    if state in ImprovementState.ALL:
        stmt = stmt.where(ImprovementAction.state == state)
    return list(db.session.scalars(stmt.order_by(ImprovementAction.due_date, ImprovementAction.id)))


def actions_of(office_ids: list[int], period: Period) -> list[ImprovementAction]:
    """Actions alive during the period: created before it ended and not finished before it began."""
    if not office_ids:
        return []
    finished = sa.case(
        (ImprovementAction.state == ImprovementState.DONE, ImprovementAction.done_at),
        (ImprovementAction.state == ImprovementState.DROPPED, ImprovementAction.updated_at),
        else_=None,
    )
    return list(
        db.session.scalars(
            sa.select(ImprovementAction)
            .where(
                ImprovementAction.office_id.in_(office_ids),
                ImprovementAction.created_at < period.end_utc,
                sa.or_(finished.is_(None), finished >= period.start_utc),
            )
            .order_by(ImprovementAction.office_id, ImprovementAction.due_date, ImprovementAction.id)
        )
    )


# --- before and after ---


@dataclass
class Measure:
    """One figure an action targeted, before and after it was done."""

    label: str
    before: Share
    after: Share
    higher_is_better: bool = True

    @property
    def change(self) -> stats.Growth:
        return stats.growth(self.after.rate, self.before.rate)


@dataclass
class BeforeAfter:
    done_on: date
    days: int
    before_span: tuple[date, date]
    after_span: tuple[date, date]
    measures: list[Measure]


def _local_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=TAIPEI)


def _rating_share(office_id: int, start: datetime, end: datetime, counter_id: int | None = None) -> Share:
    """Citizens' ratings scored 滿意 or 非常滿意 (top-2-box) among valid ones, by tap time."""
    stmt = sa.select(
        sa.func.count(Rating.id), sa.func.sum(sa.case((Rating.score >= 4, 1), else_=0))
    ).where(
        Rating.office_id == office_id,
        Rating.score.is_not(None),
        Rating.is_noise.is_(False),
        Rating.channel.in_(CITIZEN_CHANNELS),
        Rating.tapped_at >= start,
        Rating.tapped_at < end,
    )
    if counter_id is not None:
        stmt = stmt.where(Rating.counter_id == counter_id)
    n, hits = db.session.execute(stmt).one()
    return Share(int(n or 0), int(hits or 0))


def _reason_share(office_id: int, code: str, start: datetime, end: datetime) -> Share:
    """Valid citizen ratings that chose the reason, among those that answered the reason question."""
    rows = db.session.execute(
        sa.select(Answer.rating_id, Answer.choices)
        .join(Rating, Rating.id == Answer.rating_id)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Question.role == "reason",
            Rating.office_id == office_id,
            Rating.is_noise.is_(False),
            Rating.channel.in_(CITIZEN_CHANNELS),
            Rating.tapped_at >= start,
            Rating.tapped_at < end,
        )
    ).all()
    chosen: dict[int, bool] = defaultdict(bool)
    for rating_id, choices in rows:
        chosen[rating_id] |= code in (choices or [])
    return Share(len(chosen), sum(chosen.values()))


def _reply_share(office_id: int, category_id: int, start: datetime, end: datetime) -> Share:
    """Petitioners' ratings of replies to cases of the category, 4 or 5 among all, by the time they rated."""
    n, hits = db.session.execute(
        sa.select(sa.func.count(Case.id), sa.func.sum(sa.case((Case.reply_score >= 4, 1), else_=0))).where(
            Case.office_id == office_id,
            Case.category_id == category_id,
            Case.reply_score.is_not(None),
            Case.reply_rated_at >= start,
            Case.reply_rated_at < end,
        )
    ).one()
    return Share(int(n or 0), int(hits or 0))


def _phone_share(unit_id: int, start: datetime, end: datetime) -> Share:
    n, hits = db.session.execute(
        sa.select(sa.func.count(PhoneTest.id), sa.func.sum(sa.case((PhoneTest.passed, 1), else_=0))).where(
            PhoneTest.unit_id == unit_id, PhoneTest.called_at >= start, PhoneTest.called_at < end
        )
    ).one()
    return Share(int(n or 0), int(hits or 0))


def before_after(action: ImprovementAction, now: datetime | None = None) -> BeforeAfter | None:
    """What the action targeted, in equal windows before and after the day it was done; None until it is done
    and at least a day has passed."""
    if action.state != ImprovementState.DONE or action.done_at is None:
        return None
    now = now or utcnow()
    done_on = action.done_at.astimezone(TAIPEI).date()
    days = min(WINDOW_DAYS, (now.astimezone(TAIPEI).date() - done_on).days)
    if days <= 0:
        return None
    pivot = _local_start(done_on)
    before = (pivot - timedelta(days=days), pivot)
    after = (pivot, pivot + timedelta(days=days))
    office_id, ref = action.office_id, action.target_ref
    measures = []
    if action.target_kind == ImprovementTarget.REASON:
        measures.append(Measure(str(_l("Satisfaction of the office's citizens")),
                                _rating_share(office_id, *before), _rating_share(office_id, *after)))
        measures.append(Measure(str(_l("Share of answers naming this reason")),
                                _reason_share(office_id, ref, *before), _reason_share(office_id, ref, *after),
                                higher_is_better=False))
    elif action.target_kind == ImprovementTarget.COUNTER:
        measures.append(Measure(str(_l("Satisfaction at the counter")),
                                _rating_share(office_id, *before, counter_id=int(ref)),
                                _rating_share(office_id, *after, counter_id=int(ref))))
    elif action.target_kind == ImprovementTarget.CATEGORY:
        measures.append(Measure(str(_l("Reply satisfaction of the category's cases")),
                                _reply_share(office_id, int(ref), *before), _reply_share(office_id, int(ref), *after)))
    elif action.target_kind == ImprovementTarget.PHONE_TEST:
        test = db.session.get(PhoneTest, int(ref))
        if test is not None:
            measures.append(Measure(str(_l("Share of the unit's phone tests passing")),
                                    _phone_share(test.unit_id, *before), _phone_share(test.unit_id, *after)))
    last = timedelta(days=1)
    return BeforeAfter(
        done_on, days,
        (before[0].date(), (before[1] - last).date()),
        (after[0].date(), (after[1] - last).date()),
        measures,
    )


# --- the quarter's review ---


@dataclass
class ReviewLine:
    code: str
    label: str
    count: int
    share: float
    actions: list[ImprovementAction]


def quarterly_review(city: City, office_ids: list[int], period: Period) -> dict[str, list[ReviewLine]]:
    """The period's top dissatisfaction reasons and case categories, each with the actions taken on it."""
    actions = actions_of(office_ids, period)
    by_target: dict[tuple[str, str], list[ImprovementAction]] = defaultdict(list)
    for action in actions:
        by_target[(action.target_kind, action.target_ref)].append(action)
    lo, hi = period.ym_range
    reasons, _noise = reason_counts(Filters(office_ids=office_ids), lo, hi) if office_ids else ({}, 0)
    labels = reason_labels(city.id)
    reason_lines = [
        ReviewLine(code, labels.get(code, code), count, share, by_target.get((ImprovementTarget.REASON, code), []))
        for code, count, share, _cumulative in stats.pareto(reasons)[:TOP]
    ]
    counts = db.session.execute(
        sa.select(Case.category_id, sa.func.count(Case.id))
        .where(
            Case.office_id.in_(office_ids or [-1]),
            Case.category_id.is_not(None),
            Case.received_at >= period.start_utc,
            Case.received_at < period.end_utc,
        )
        .group_by(Case.category_id)
    ).all()
    categories = {c.id: c for c in db.session.scalars(sa.select(CaseCategory).where(CaseCategory.city_id == city.id))}
    category_lines = [
        ReviewLine(
            str(cid), category_label(categories[cid]) if cid in categories else str(cid), count, share,
            by_target.get((ImprovementTarget.CATEGORY, str(cid)), []),
        )
        for cid, count, share, _cumulative in stats.pareto({cid: n for cid, n in counts})[:TOP]
    ]
    return {"reasons": reason_lines, "categories": category_lines, "actions": actions}


def owners_for(office_ids: list[int], city_id: int) -> list[User]:
    """Who may own an action: active staff of these offices and the city-wide staff."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.active.is_(True),
                User.city_id == city_id,
                sa.or_(User.office_id.in_(office_ids), User.office_id.is_(None)),
                User.role != Role.ADMIN,
            )
            .order_by(User.office_id.is_(None), User.office_id, User.display_name)
        )
    )


def target_choices(office_ids: list[int], city_id: int, limit: int = 50) -> dict[str, list[tuple[str, str]]]:
    """What an action may be linked to, grouped for a picker: the city's reasons and categories, the offices'
    counters and their latest phone tests (failed ones first)."""
    several = len(office_ids) > 1
    groups: dict[str, list[tuple[str, str]]] = {}
    groups[str(TARGET_LABELS[ImprovementTarget.REASON])] = [
        (f"{ImprovementTarget.REASON}:{code}", label) for code, label in sorted(reason_labels(city_id).items())
    ]
    groups[str(TARGET_LABELS[ImprovementTarget.CATEGORY])] = [
        (f"{ImprovementTarget.CATEGORY}:{c.id}", category_label(c))
        for c in db.session.scalars(
            sa.select(CaseCategory)
            .where(CaseCategory.city_id == city_id, CaseCategory.active.is_(True))
            .order_by(CaseCategory.position, CaseCategory.id)
        )
    ]
    groups[str(TARGET_LABELS[ImprovementTarget.COUNTER])] = [
        (f"{ImprovementTarget.COUNTER}:{c.id}", f"{c.office.name} {c.name}" if several else c.name)
        for c in db.session.scalars(
            sa.select(Counter).where(Counter.office_id.in_(office_ids or [-1])).order_by(Counter.code)
        )
    ]
    groups[str(TARGET_LABELS[ImprovementTarget.PHONE_TEST])] = [
        (
            f"{ImprovementTarget.PHONE_TEST}:{t.id}",
            f"{t.office.name if several else ''} {t.unit.name} "
            f"{t.called_at.astimezone(TAIPEI):%Y-%m-%d} {'✗' if not t.passed else '✓'}".strip(),
        )
        for t in db.session.scalars(
            sa.select(PhoneTest)
            .where(PhoneTest.office_id.in_(office_ids or [-1]))
            .order_by(PhoneTest.passed, PhoneTest.called_at.desc())
            .limit(limit)
        )
    ]
    return groups
