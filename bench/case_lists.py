"""How fast the case lists answer at 10k, 100k and 1M cases on PostgreSQL.

    python bench/case_lists.py 10000 100000 1000000 [--runs 30] [--explain]

Creates a database of its own (dropped at the end), builds the schema with the migrations, loads cases with
COPY (growing from one size to the next), then times each list's first page through the same service the pages
use (query, loading 50 cases with their unit, officer and category, masking): median and p95 over --runs runs.
Target: the overdue list of one office under 100 ms median at 1M cases.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedback_app import create_app  # noqa: E402
from feedback_app.extensions import db  # noqa: E402
from feedback_app.models import CaseChannel, CaseState, City, Office, Role, Unit, User  # noqa: E402
from feedback_app.services.case_lists import build_select, list_cases, page_select, parse_query  # noqa: E402

OFFICES = 12
OFFICERS_PER_UNIT = 4
COLUMNS = (
    "id",
    "number",
    "city_id",
    "office_id",
    "unit_id",
    "assignee_id",
    "channel",
    "subject",
    "description",
    "received_at",
    "external_ref",
    "state",
    "due_at",
    "working_days",
    "due_basis",
    "petitioner_name",
    "petitioner_phone",
    "confidential",
    "created_at",
    "updated_at",
    "version",
)
SUBJECTS = (
    "櫃檯等候時間過長",
    "承辦人員態度不佳",
    "網站預約無法使用",
    "停車位不足",
    "戶籍謄本申請流程",
    "建議增設座椅",
)
OPEN_WORK = (CaseState.RECEIVED, CaseState.ASSIGNED, CaseState.IN_PROGRESS, CaseState.REPLIED)


def build_org(app):
    """One city with 12 offices, two units each, four officers per unit, a supervisor and a monitor."""
    with app.app_context():
        city = City(code="TPE", name="臺北市")
        db.session.add(city)
        db.session.flush()
        offices = []
        for i in range(OFFICES):
            office = Office(city_id=city.id, code=f"O{i:02d}", name=f"第{i + 1}戶政事務所")
            db.session.add(office)
            db.session.flush()
            units = [
                Unit(office_id=office.id, code=code, name=name)
                for code, name in (("REG", "戶籍登記課"), ("REC", "戶籍資料課"))
            ]
            db.session.add_all(units)
            db.session.flush()
            officers = []
            for unit in units:
                for k in range(OFFICERS_PER_UNIT):
                    user = User(
                        username=f"o{i:02d}.{unit.code.lower()}{k}",
                        display_name=f"承辦人{i}-{k}",
                        role=Role.OFFICER,
                        city_id=city.id,
                        office_id=office.id,
                        unit_id=unit.id,
                        password_hash="x",
                    )
                    db.session.add(user)
                    officers.append(user)
            db.session.add(
                User(
                    username=f"o{i:02d}.supervisor",
                    display_name="課長",
                    role=Role.SUPERVISOR,
                    city_id=city.id,
                    office_id=office.id,
                    unit_id=units[0].id,
                    password_hash="x",
                )
            )
            db.session.flush()
            offices.append((office.id, [(u.id, u.unit_id) for u in officers]))
        db.session.add(
            User(
                username="tpe.monitor",
                display_name="研考",
                role=Role.MONITOR,
                city_id=city.id,
                password_hash="x",
            )
        )
        db.session.commit()
        return city.id, offices


def case_rows(start: int, stop: int, city_id: int, offices, now: datetime, rng: random.Random):
    """Cases received over two years: recent ones mostly open, older ones mostly closed (some overdue)."""
    channels = CaseChannel.ALL[:9]
    for case_id in range(start + 1, stop + 1):
        office_id, officers = offices[case_id % OFFICES]
        received = now - timedelta(days=rng.random() * 730)
        due = received + timedelta(days=8 + rng.randint(0, 2))
        recent = now - received < timedelta(days=20)
        is_open = rng.random() < (0.9 if recent else 0.03)
        state = rng.choice(OPEN_WORK) if is_open else CaseState.CLOSED
        assignee_id = unit_id = None
        if state != CaseState.RECEIVED:
            assignee_id, unit_id = rng.choice(officers)
        yield (
            case_id,
            f"C{case_id:08d}",
            city_id,
            office_id,
            unit_id,
            assignee_id,
            rng.choice(channels),
            rng.choice(SUBJECTS),
            "",
            received,
            f"1999-{case_id:09d}",
            state,
            due,
            6,
            "{}",
            "王小明",
            "0912345678",
            case_id % 50 == 0,
            received,
            received,
            1,
        )


def load(url: str, start: int, stop: int, city_id: int, offices, now: datetime, seed: int) -> float:
    began = time.perf_counter()
    rng = random.Random(seed)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY cases ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in case_rows(start, stop, city_id, offices, now, rng):
                copy.write_row(row)
        cur.execute("SELECT setval('cases_id_seq', %s)", (stop,))
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    return time.perf_counter() - began


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm the cache and the statement
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]


def measure(app, runs: int, size: int, explain: bool) -> None:
    with app.app_context():
        officer = db.session.scalar(sa.select(User).where(User.username == "o03.reg0"))
        supervisor = db.session.scalar(sa.select(User).where(User.username == "o03.supervisor"))
        monitor = db.session.scalar(sa.select(User).where(User.username == "tpe.monitor"))
        second_page = list_cases(officer, parse_query({"view": "overdue"})).next_cursor or ""
        cases = [
            ("overdue, one office (first page)", officer, {"view": "overdue"}),
            ("overdue, one office (second page)", officer, {"view": "overdue", "cursor": second_page}),
            ("due soon (2 working days), one office", officer, {"view": "due_soon"}),
            ("unassigned, one office", supervisor, {"view": "unassigned"}),
            ("my cases (open)", officer, {"view": "mine"}),
            ("my unit (open)", supervisor, {"view": "unit"}),
            ("all, one office, newest first", officer, {"view": "all"}),
            (
                "all, one office, channel 1999 + category-free text search",
                officer,
                {"view": "all", "channel": "1999", "q": "等候"},
            ),
            (
                "all, one office, received in one month",
                officer,
                {"view": "all", "received_from": "2026-01-01", "received_to": "2026-01-31"},
            ),
            ("overdue, city-wide monitor (12 offices)", monitor, {"view": "overdue"}),
            ("all, city-wide monitor, newest first", monitor, {"view": "all"}),
        ]
        print(f"\n{size:,} cases ({runs} runs each, ms; page: as the pages call it; sql: the query alone)")
        print(f"  {'list':<60} {'page med':>8} {'page p95':>8} {'sql med':>8} {'sql p95':>8} {'rows':>5}")
        for label, user, args in cases:
            query = parse_query(args)
            rows = len(list_cases(user, query).rows)
            median, p95 = timed(lambda user=user, query=query: list_cases(user, query), runs)
            sql_median, sql_p95 = timed(
                lambda user=user, query=query: (
                    db.session.connection().execute(page_select(user, query, datetime.now(UTC))).all()
                ),
                runs,
            )
            print(f"  {label:<60} {median:8.2f} {p95:8.2f} {sql_median:8.2f} {sql_p95:8.2f} {rows:5d}")
            db.session.expire_all()
        if explain:
            for label, user, args in (cases[0], cases[-2], cases[-1]):
                stmt = build_select(user, parse_query(args), datetime.now(UTC)).limit(51)
                sql = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
                print(f"\n  EXPLAIN (ANALYZE, BUFFERS) {label}:")
                for (line,) in db.session.execute(sa.text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")):
                    print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "sizes", nargs="+", type=int, help="case counts to measure at, ascending (max 1,000,000)"
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the overdue plan at the largest size")
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    if sizes[-1] > 1_000_000 or sizes[0] < 1:
        parser.error("sizes must be between 1 and 1,000,000")

    name = f"cf_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(args.server, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(args.server, dbname=name)
    try:
        sa_url = sa.engine.make_url(args.server).set(drivername="postgresql+psycopg", database=name)
        app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": sa_url.render_as_string(hide_password=False)}
        )
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
        city_id, offices = build_org(app)
        now, loaded = datetime.now(UTC), 0
        for size in sizes:
            seconds = load(url, loaded, size, city_id, offices, now, seed=size)
            print(f"loaded {size - loaded:,} cases in {seconds:.1f} s (total {size:,})", flush=True)
            loaded = size
            measure(app, args.runs, size, args.explain and size == sizes[-1])
        with app.app_context():
            db.engine.dispose()
    finally:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
            "AND pid <> pg_backend_pid()",
            (name,),
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


if __name__ == "__main__":
    main()
