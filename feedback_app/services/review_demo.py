"""The demo's phone courtesy tests and improvement actions: a quarter's plan, a season of test calls (one failed
this week, its follow-up still open), and actions in every state, one done six weeks ago."""

import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import CaseCategory, City, Counter, ImprovementState, Office, Unit, User
from . import improvements, phone_tests
from .calendar import TAIPEI
from .stats import Period

PLAN = {("ZS", "REG"): 6, ("ZS", "REC"): 4, ("DA", "REG"): 4, ("XY", "REG"): 3}
TESTERS = ("林研考", "研考室 陳專員", "研考室 黃專員")
NOTES = {
    "greeting": "接聽者未報課室名稱及姓名，僅稱「喂，你好」。",
    "callback": "承諾當日下班前回電，至隔日仍未回電。",
    "transfer": "轉接至戶籍資料課後斷線，民眾須重撥。",
}


def _office_hours(now: datetime, days_ago: int, rng: random.Random) -> datetime:
    """A weekday moment in office hours about `days_ago` days before now."""
    day = (now - timedelta(days=days_ago)).astimezone(TAIPEI)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day.replace(hour=rng.choice((9, 10, 11, 14, 15, 16)), minute=rng.randrange(0, 60, 5), second=0,
                       microsecond=0)


def seed_review_demo(city: City, now: datetime, seed: int = 2025) -> None:
    """Add the demo's phone tests and improvement actions to the city seed_demo has just built."""
    rng = random.Random(seed)
    offices = {o.code: o for o in db.session.scalars(sa.select(Office).where(Office.city_id == city.id))}
    units = {(u.office.code, u.code): u for u in db.session.scalars(
        sa.select(Unit).where(Unit.office_id.in_([o.id for o in offices.values()])))}
    people = {u.username: u for u in db.session.scalars(sa.select(User).where(User.city_id == city.id))}
    monitor, director = people["monitor"], people["director"]
    quarter = Period.containing(now)
    for key, planned in PLAN.items():
        phone_tests.save_plan(monitor, units[key].id, quarter, planned)
        phone_tests.save_plan(monitor, units[key].id, quarter.previous(), planned)
    # Calls of the last five months: mostly good, a few items missed; the newest call fails its greeting.
    for n in range(22):
        key = list(PLAN)[n % len(PLAN)]
        called = _office_hours(now, 150 - n * 6 + rng.randint(0, 3), rng)
        failing = rng.choice(("greeting", "callback", "transfer")) if rng.random() < 0.2 else None
        _call(units[key], called, failing, monitor, rng, done=True)
    failed = _call(units[("ZS", "REG")], _office_hours(now, 2, rng), "greeting", monitor, rng, done=False)

    zs = offices["ZS"]
    supervisor, officer = people["supervisor"], people["officer"]
    category = db.session.scalar(
        sa.select(CaseCategory).where(CaseCategory.city_id == city.id, CaseCategory.code == "staff_attitude"))
    priority = db.session.scalar(
        sa.select(Counter).where(Counter.office_id == offices["DA"].id, Counter.kind == "priority"))
    done = _action(
        director, zs, now - timedelta(days=100), "民眾反映上午尖峰等候時間過長", "reason:wait_long",
        "尖峰時段（10–12時）加開綜合受理櫃檯一席，並推廣線上預約", supervisor, 60,
    )
    _move(director, done, ImprovementState.IN_PROGRESS, now - timedelta(days=80))
    _move(director, done, ImprovementState.DONE, now - timedelta(days=45))
    working = _action(
        director, zs, now - timedelta(days=20), "陳情案件中服務態度類居多", f"category:{category.id}",
        "辦理櫃檯同仁服務禮儀訓練，並由課長每週抽查錄音", supervisor, 40,
    )
    _move(director, working, ImprovementState.IN_PROGRESS, now - timedelta(days=10))
    _action(
        director, zs, now - timedelta(days=1), "電話禮貌測試未報單位及姓名", f"phone_test:{failed.id}",
        "課務會議宣導接聽標準用語「戶籍登記課，您好，敝姓○」，並於下季加測", officer, 30,
    )
    dropped = _action(
        people["da.supervisor"], offices["DA"], now - timedelta(days=70), "博愛櫃檯叫號不易辨識",
        f"counter:{priority.id}", "博愛櫃檯增設叫號顯示器", people["da.supervisor"], 45,
    )
    _move(people["da.supervisor"], dropped, ImprovementState.DROPPED, now - timedelta(days=30),
          "經費不足，改列明年度預算；先以口頭叫號並加大字卡")
    db.session.flush()


def _call(unit: Unit, called: datetime, failing: str | None, monitor: User, rng: random.Random, *, done: bool):
    scores = {item: phone_tests.PASS for item in phone_tests.ITEMS}
    scores["transfer"] = phone_tests.PASS if rng.random() < 0.4 else phone_tests.NOT_APPLICABLE
    scores["callback"] = phone_tests.PASS if rng.random() < 0.3 else phone_tests.NOT_APPLICABLE
    if failing:
        scores[failing] = phone_tests.FAIL
    data = phone_tests.PhoneTestInput(
        unit_id=unit.id, called_at=called, tester=rng.choice(TESTERS), scores=scores,
        extension=str(rng.randint(100, 399)), note=NOTES.get(failing),
    )
    recorded = called + timedelta(minutes=20)
    test = phone_tests.record_test(data, monitor, now=recorded)
    if test.followup is not None and done:
        supervisor = test.followup.assignee or monitor
        phone_tests.complete_followup(test.followup, supervisor, "已於課務會議檢討，並個別提醒當事同仁。",
                                      now=recorded + timedelta(days=2))
    return test


def _action(actor, office, at, problem, target, measure, owner, due_in_days):
    data = improvements.ActionInput(
        office_id=office.id, problem=problem, target=target, measure=measure, owner_id=owner.id,
        due_date=(at + timedelta(days=due_in_days)).astimezone(TAIPEI).date(),
    )
    return improvements.create_action(actor, data, now=at)


def _move(actor, action, state, at, reason=None):
    data = improvements.ActionInput(
        office_id=action.office_id, problem=action.problem, target=f"{action.target_kind}:{action.target_ref}",
        measure=action.measure, owner_id=action.owner_id, due_date=action.due_date, state=state,
        dropped_reason=reason,
    )
    improvements.update_action(actor, action, data, now=at)
