"""A believable demo city: offices, people of every role, a year of ratings and cases in every state."""

import hashlib
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import (
    Answer,
    Case,
    CaseCategory,
    CaseChannel,
    CaseEvent,
    CaseNote,
    CaseOutcome,
    CaseState,
    Channel,
    City,
    Counter,
    Extension,
    Notification,
    Office,
    Questionnaire,
    QuestionnaireVersion,
    Rating,
    Role,
    Unit,
    User,
    utcnow,
)
from . import notify
from .calendar import TAIPEI, WorkCalendar, end_of_day, import_calendar, next_office_moment
from .cases import CaseInput, check_lookup_code, hash_lookup_code, open_case, renew_due_date, tell_overdue_petitioners
from .defaults import ensure_city_defaults
from .demo_services import seed_demo_services
from .planner import refresh_planner_statistics
from .review_demo import seed_review_demo
from .rollups import refresh_rollups
from .staff_survey.demo import seed_demo_rounds

CALENDARS = Path(__file__).resolve().parent.parent / "data" / "office-calendar"
CITY = ("TPE", "臺北市", "Taipei City")
OFFICES = [
    ("ZS", "臺北市中山區戶政事務所", "Zhongshan Household Registration Office", "household"),
    ("DA", "臺北市大安區戶政事務所", "Da'an Household Registration Office", "household"),
    ("XY", "臺北市信義區公所", "Xinyi District Office", "district"),
]
UNITS = [
    ("REG", "戶籍登記課", "Registration Section"),
    ("REC", "戶籍資料課", "Records Section"),
    ("ADM", "行政課", "Administration Section"),
]
COUNTERS = [
    ("01", "綜合受理櫃檯 1", "One-stop counter 1", "one_stop", "REG"),
    ("02", "綜合受理櫃檯 2", "One-stop counter 2", "one_stop", "REG"),
    ("03", "戶籍登記櫃檯", "Registration counter", "general", "REG"),
    ("04", "戶籍謄本櫃檯", "Records counter", "general", "REC"),
    ("05", "博愛櫃檯", "Priority counter", "priority", "REG"),
]
# (username, name, role, office code or None for city-wide, unit code)
PEOPLE = [
    ("admin", "系統管理員", Role.ADMIN, None, None),
    ("director", "陳主任", Role.DIRECTOR, "ZS", None),
    ("monitor", "林研考", Role.MONITOR, None, None),
    ("supervisor", "王課長", Role.SUPERVISOR, "ZS", "REG"),
    ("officer", "張承辦", Role.OFFICER, "ZS", "REG"),
    ("officer2", "李承辦", Role.OFFICER, "ZS", "REG"),
    ("da.supervisor", "黃課長", Role.SUPERVISOR, "DA", "REG"),
    ("da.officer", "吳承辦", Role.OFFICER, "DA", "REG"),
    ("xy.officer", "周承辦", Role.OFFICER, "XY", "REG"),
]
DEMO_PASSWORD = "demo-password"
# The look-up code of the demo's showcase case (letters of LOOKUP_ALPHABET), printed by seed-demo.
DEMO_LOOKUP_CODE = "TRYME234"
HISTORY_NOT_SENT = "not sent: demo history from before the demo was created"
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴徐"
GIVEN = ["志明", "淑芬", "雅婷", "家豪", "美玲", "俊傑", "怡君", "建宏", "佩君", "宗翰"]
SUBJECTS = [
    "等候時間過長", "櫃檯人員說明不清楚", "建議增設停車位", "印鑑證明申請流程", "戶籍謄本申請疑義",
    "網路預約系統無法使用", "感謝承辦人員協助", "無障礙設施不足", "叫號系統故障", "英文姓名登記問題",
]


def demo_exists() -> bool:
    return db.session.scalar(sa.select(City.id).where(City.code == CITY[0])) is not None


def import_bundled_calendars() -> int:
    """Import the official calendars shipped with the app; years already imported are left alone."""
    from ..models import CalendarImport

    count = 0
    for path in sorted(CALENDARS.glob("*.csv")):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if db.session.scalar(sa.select(CalendarImport.id).where(CalendarImport.sha256 == digest)):
            continue
        import_calendar(data, path.name, imported_by="bundled")
        count += 1
    return count


def seed_demo(now: datetime | None = None, ratings_per_day: int = 24, cases: int = 320, seed: int = 2025) -> list:
    """Fill an empty database with the demo city; returns the demo logins as (username, role, office)."""
    rng = random.Random(seed)
    now = now or utcnow()
    import_bundled_calendars()
    city = City(code=CITY[0], name=CITY[1], name_en=CITY[2])
    db.session.add(city)
    db.session.flush()
    ensure_city_defaults(city)
    offices = {}
    for code, name, name_en, kind in OFFICES:
        office = Office(city_id=city.id, code=code, name=name, name_en=name_en, kind=kind)
        db.session.add(office)
        db.session.flush()
        units = {}
        for ucode, uname, uname_en in UNITS:
            units[ucode] = Unit(office_id=office.id, code=ucode, name=uname, name_en=uname_en)
            db.session.add(units[ucode])
        db.session.flush()
        for ccode, cname, cname_en, kind_, ucode in COUNTERS:
            db.session.add(Counter(office_id=office.id, unit_id=units[ucode].id, code=f"{code}-{ccode}",
                                   name=cname, name_en=cname_en, kind=kind_))
        offices[code] = (office, units)
    db.session.flush()

    users = {}
    for username, name, role, office_code, unit_code in PEOPLE:
        office, units = offices[office_code] if office_code else (None, {})
        user = User(username=username, display_name=name, role=role, city_id=city.id,
                    office_id=office.id if office else None,
                    unit_id=units[unit_code].id if unit_code else None,
                    email=f"{username}@demo.counter-feedback.tw")
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        users[username] = user
    db.session.flush()

    _seed_ratings(rng, city, now, ratings_per_day)
    seed_demo_services(city.id, users["admin"], now, seed)
    calendar = WorkCalendar((now - timedelta(days=400)).year, now.year + 1)
    _seed_cases(rng, city, offices, users, now, cases, calendar)
    _settle_history(city, now, calendar)
    seed_demo_rounds(city.id, users["admin"], now, rng)
    seed_review_demo(city, now)
    db.session.commit()
    # A year of ratings, folded as the jobs would have folded them, then the planner told what is there.
    refresh_rollups()
    refresh_planner_statistics()
    return [(u, role, office or "全市") for u, _, role, office, _ in PEOPLE]


def showcase_case() -> Case | None:
    """The demo case a visitor can look up on the petitioner page with DEMO_LOOKUP_CODE."""
    case = db.session.scalar(
        sa.select(Case).join(City, Case.city_id == City.id).where(City.code == CITY[0]).order_by(Case.id).limit(1)
    )
    return case if case is not None and check_lookup_code(case, DEMO_LOOKUP_CODE) else None


def _settle_history(city: City, now: datetime, calendar: WorkCalendar) -> None:
    """Mail the demo's past would have sent back then is written in the ledger as skipped, never sent.

    Opening a case queues its acknowledgement and the notices job asks petitioners of recently closed cases to
    rate the reply; in the demo those cases were opened and closed months ago, so the first delivery would mail
    hundreds of stale notices. A message whose first sending moment (the next office moment after the case
    came in, or was closed) has passed is marked "skipped"; one still ahead stays queued, as it would be."""
    from jobs.notices import rating_notice_candidates, rating_notices

    since = now - timedelta(days=current_app.config.get("JOBS_NOTICE_WINDOW_DAYS", 14))
    notify.queue_many(rating_notices(db.session.execute(rating_notice_candidates(since, Case.city_id == city.id)),
                                     now))
    tell_overdue_petitioners(now, current_app.config.get("JOBS_NOTICE_WINDOW_DAYS", 14), Case.city_id == city.id)
    pending = db.session.execute(
        sa.select(Notification.id, Notification.kind, Case.received_at, Case.closed_at, Case.due_at)
        .join(Case, Notification.case_id == Case.id)
        .where(Case.city_id == city.id, Notification.channel == "email", Notification.status == "queued")
    ).all()
    moments = {"petitioner-rating": "closed_at", "overdue": "due_at"}  # when each notice was first due to go
    past = [row.id for row in pending
            if next_office_moment(getattr(row, moments.get(row.kind, "received_at")), calendar) < now]
    for start in range(0, len(past), 500):
        db.session.execute(
            sa.update(Notification).where(Notification.id.in_(past[start:start + 500]))
            .values(status="skipped", last_error=HISTORY_NOT_SENT)
            .execution_options(synchronize_session=False)
        )


def _current_version(city: City, code: str) -> QuestionnaireVersion:
    return db.session.scalar(
        sa.select(QuestionnaireVersion).join(Questionnaire)
        .where(Questionnaire.city_id == city.id, Questionnaire.code == code)
        .order_by(QuestionnaireVersion.version.desc())
    )


def _score(rng: random.Random, office_bias: float, hour: int) -> int:
    # Busier late mornings are a little less happy, as counters really are.
    penalty = 0.35 if hour in (10, 11, 16) else 0.0
    return max(1, min(5, round(rng.gauss(4.1 + office_bias - penalty, 0.95))))


def _seed_ratings(rng: random.Random, city: City, now: datetime, per_day: int) -> None:
    kiosk = _current_version(city, "kiosk")
    overall_q = next(q for q in kiosk.questions if q.code == "overall")
    reason_q = next(q for q in kiosk.questions if q.code == "reasons")
    reason_codes = [o["code"] for o in reason_q.options]
    counters = db.session.scalars(sa.select(Counter).order_by(Counter.id)).all()
    bias = {"ZS": 0.1, "DA": -0.15, "XY": 0.0}
    codes = {o.id: o.code for o in db.session.scalars(sa.select(Office))}
    start = (now - timedelta(days=365)).astimezone(TAIPEI).date()
    calendar = WorkCalendar(start.year, now.year)
    ratings, answers = [], []
    day = start
    while day < now.astimezone(TAIPEI).date():
        day += timedelta(days=1)
        if not calendar.is_working_day(day):
            continue
        for counter in counters:
            for _ in range(rng.randint(per_day // 3, per_day)):
                hour = rng.choice([8, 9, 9, 10, 10, 10, 11, 11, 13, 14, 14, 15, 15, 16])
                tapped = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), rng.randint(0, 59),
                                  tzinfo=TAIPEI)
                if tapped + timedelta(seconds=2) > now:
                    continue  # later today: not given yet
                score = _score(rng, bias[codes[counter.office_id]], hour)
                channel = Channel.KIOSK if rng.random() < 0.85 else Channel.COUNTER_QR
                noise = rng.random() < 0.01
                ratings.append({
                    "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "office_id": counter.office_id,
                    "unit_id": counter.unit_id, "counter_id": counter.id, "questionnaire_version_id": kiosk.id,
                    "channel": channel, "tapped_at": tapped, "received_at": tapped + timedelta(seconds=2),
                    "score": score, "locale": "zh_TW", "is_noise": noise,
                    "content_hash": hashlib.sha256(f"{score}".encode()).hexdigest(),
                })
                answers.append([(overall_q.id, score, None)]
                               + ([(reason_q.id, None, [rng.choice(reason_codes)])] if score <= 2 else []))
    ids = db.session.scalars(
        sa.insert(Rating).returning(Rating.id, sort_by_parameter_order=True), ratings
    ).all()
    rows = [{"rating_id": rid, "question_id": qid, "score": score, "choices": choices}
            for rid, parts in zip(ids, answers, strict=True) for qid, score, choices in parts]
    db.session.execute(sa.insert(Answer), rows)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _seed_cases(rng, city, offices, users, now, count, calendar) -> None:
    categories = db.session.scalars(sa.select(CaseCategory).where(CaseCategory.city_id == city.id)).all()
    channels = [CaseChannel.HOTLINE_1999, CaseChannel.PETITION_SYSTEM, CaseChannel.MAYOR_MAILBOX,
                CaseChannel.EMAIL, CaseChannel.PHONE, CaseChannel.COUNTER, CaseChannel.COMMENT_BOX,
                CaseChannel.LETTER, CaseChannel.LINE]
    # Most cases are long closed; the recent ones are spread over every open state.
    open_states = [CaseState.RECEIVED, CaseState.ASSIGNED, CaseState.IN_PROGRESS, CaseState.REPLIED,
                   CaseState.REOPENED]
    officers = {code: [u for u in users.values() if u.office_id == office.id and u.role == Role.OFFICER]
                for code, (office, _) in offices.items()}
    supervisors = {code: next((u for u in users.values() if u.office_id == office.id and u.role == Role.SUPERVISOR),
                              None) for code, (office, _) in offices.items()}
    rare = [CaseState.MERGED, CaseState.TRANSFERRED]
    for i in range(count):
        showcase = i == 0
        code = "ZS" if showcase else rng.choice(list(offices))
        office, units = offices[code]
        age_days = 40 if showcase else rng.uniform(0.2, 360) if i % 4 else rng.uniform(0.2, 25)
        received = now - timedelta(days=age_days)
        channel = CaseChannel.PHONE if showcase else rng.choice(channels)
        name = _name(rng)
        data = CaseInput(
            office_id=office.id, channel=channel, subject=rng.choice(SUBJECTS),
            description="民眾反映：" + rng.choice(SUBJECTS) + "，請協助處理並回復。",
            category_id=rng.choice(categories).id, received_at=received,
            external_ref=f"1999-{rng.randint(10**7, 10**8 - 1)}" if channel == CaseChannel.HOTLINE_1999 else None,
            petitioner_name=name, petitioner_phone=f"09{rng.randint(10**7, 10**8 - 1)}",
            # The showcase case's petitioner called in and left no address: no mail carries a look-up code
            # other than the demo's.
            petitioner_email=None if showcase else f"citizen{i}@example.tw",
            petitioner_address="臺北市中山區松江路100號" if channel == CaseChannel.LETTER else None,
            confidential=False if showcase else rng.random() < 0.1,
        )
        case, _code = open_case(data, calendar=calendar)
        # Entered when it came in, as an office that used the system all year would have done.
        case.created_at = received
        if showcase:
            case.lookup_code_hash = hash_lookup_code(DEMO_LOOKUP_CODE)
            state = CaseState.CLOSED
        elif age_days > 25:
            # The rare ends come first, so even a small demo shows a transferred and a merged case.
            state = rare.pop() if rare else CaseState.CLOSED if rng.random() < 0.93 else rng.choice(
                [CaseState.TRANSFERRED, CaseState.MERGED, CaseState.CLOSED])
        else:
            state = rng.choice(open_states + [CaseState.CLOSED])
        _advance(rng, case, state, units["REG"], officers[code], supervisors[code], calendar, now,
                 rated=False if showcase else None)
    db.session.flush()
    # Each trail starts when its case came in, not when the demo wrote it.
    db.session.execute(
        sa.update(CaseEvent)
        .where(CaseEvent.action == "created",
               CaseEvent.case_id.in_(sa.select(Case.id).where(Case.city_id == city.id)))
        .values(at=sa.select(Case.received_at).where(Case.id == CaseEvent.case_id).scalar_subquery())
        .execution_options(synchronize_session=False)
    )


def _in_order(start: datetime, planned: list[datetime], now: datetime) -> list[datetime]:
    """The planned times of a case's steps, each at least a minute after the one before and none later than a
    minute ago: a young case's steps are drawn closer together to fit between its receipt and now."""
    times, last = [], start
    for moment in planned:
        last = max(moment, last + timedelta(minutes=1))
        times.append(last)
    end = now - timedelta(minutes=1)
    if times and times[-1] > end:
        scale = (end - start) / (times[-1] - start)
        times = [start + (moment - start) * scale for moment in times]
    return times


def _advance(rng, case: Case, state: str, unit: Unit, officers: list, supervisor, calendar, now,
             rated: bool | None = None) -> None:
    """Walk a demo case along the real path to the given state, leaving its trail behind in time order."""
    if state == CaseState.RECEIVED:
        return
    officer = rng.choice(officers)
    extension = None
    received = case.received_at
    assigned = received + timedelta(hours=rng.uniform(1, 20))
    steps = {"assigned": assigned}
    if state == CaseState.TRANSFERRED:
        steps["transferred"] = assigned + timedelta(hours=2)
    elif state != CaseState.ASSIGNED:
        steps["in_progress"] = assigned + timedelta(hours=1)
        steps["note"] = assigned + timedelta(hours=2)
        if rng.random() < 0.12 and supervisor is not None:
            extension = Extension(case_id=case.id, requested_by_id=officer.id, reason="需會辦其他機關",
                                  old_due_at=case.due_at, new_due_at=end_of_day(
                                      calendar.add_working_days(case.due_at.astimezone(TAIPEI).date(), 5)[0]))
            steps["extension_requested"] = assigned + timedelta(days=2)
            if state != CaseState.IN_PROGRESS or rng.random() < 0.5:
                steps["extension_decided"] = assigned + timedelta(days=3)
                extension.state, extension.decided_by_id = "approved", supervisor.id
                case.due_at = extension.new_due_at
        if state != CaseState.IN_PROGRESS:
            # Most replies on time, some late, as the indicators should show.
            span = (case.due_at - received).total_seconds()
            steps["replied"] = received + timedelta(
                seconds=span * rng.uniform(0.2, 1.35 if rng.random() < 0.15 else 0.95))
        if state == CaseState.MERGED:
            steps["merged"] = steps["replied"] + timedelta(hours=rng.uniform(1, 24))
        if state in (CaseState.CLOSED, CaseState.REOPENED):
            steps["closed"] = steps["replied"] + timedelta(hours=rng.uniform(0.5, 30))
            if rated if rated is not None else rng.random() < 0.45:
                steps["rated"] = steps["closed"] + timedelta(days=1)
        if state == CaseState.REOPENED:
            steps["reopened"] = steps["closed"] + timedelta(days=1)
    at = dict(zip(steps, _in_order(received, list(steps.values()), now), strict=True))

    def event(action, actor, after, note=None):
        db.session.add(CaseEvent(case_id=case.id, at=at[action], actor_id=actor.id if actor else None,
                                 action=action, after=after, note=note))

    case.unit_id, case.assignee_id, case.assigned_at = unit.id, officer.id, at["assigned"]
    case.state = CaseState.ASSIGNED
    event("assigned", supervisor, {"unit_id": unit.id, "assignee_id": officer.id})
    if state == CaseState.ASSIGNED:
        return
    if state == CaseState.TRANSFERRED:
        case.state, case.transferred_to = CaseState.TRANSFERRED, "臺北市政府民政局"
        event("transferred", supervisor, {"transferred_to": case.transferred_to}, "非屬本所權責，移文民政局")
        return
    case.state = CaseState.IN_PROGRESS
    event("in_progress", officer, {"state": CaseState.IN_PROGRESS})
    db.session.add(CaseNote(case_id=case.id, author_id=officer.id, body="已電話聯繫陳情人了解情形。",
                            created_at=at["note"]))
    if extension is not None:
        extension.requested_at = at["extension_requested"]
        extension.decided_at = at.get("extension_decided")
        db.session.add(extension)
    if state == CaseState.IN_PROGRESS:
        return
    case.reply = "您好，有關您反映事項，本所已完成查處並改善，感謝您的寶貴意見。"
    case.replied_at, case.state = at["replied"], CaseState.REPLIED
    event("replied", officer, {"state": CaseState.REPLIED})
    if state == CaseState.REPLIED:
        return
    if state == CaseState.MERGED:
        case.state, case.outcome, case.closed_at = CaseState.MERGED, CaseOutcome.DUPLICATE, at["merged"]
        event("merged", supervisor, {"state": CaseState.MERGED})
        return
    case.state = CaseState.CLOSED
    case.outcome = rng.choice([CaseOutcome.RESOLVED] * 5 + [CaseOutcome.EXPLAINED] * 3 + [CaseOutcome.NOT_OUR_DUTY])
    case.closed_at = at["closed"]
    event("closed", officer, {"state": CaseState.CLOSED, "outcome": case.outcome})
    if "rated" in at:
        case.reply_score = max(1, min(5, round(rng.gauss(3.9, 1.0))))
        case.reply_rated_at = at["rated"]
    if state == CaseState.REOPENED:
        event("reopened", supervisor, {"state": CaseState.REOPENED}, "陳情人補充新事證")
        db.session.flush()  # the closed cycle is recorded before the reopening starts the next one
        case.state, case.closed_at, case.outcome = CaseState.REOPENED, None, None
        case.updated_at = at["reopened"]
        renew_due_date(case, at["reopened"])
