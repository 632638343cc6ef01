"""Times the chase job over 100k open cases on PostgreSQL.

Creates a database of its own (dropped afterwards), builds the schema with the migrations, bulk-loads 12 offices,
their staff and N open cases (COPY): a share of them overdue by 1 to 28 days, the rest due within 60 days (most
open cases in a real office are not late; --late-share 0.33 is a stress mix). Then it runs the chase
for one working day twice: the first run queues the day's reminders, the second finds them all in the ledger.

    python bench/chase.py [--cases 100000] [--url postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from feedback_app import create_app  # noqa: E402
from feedback_app.extensions import db  # noqa: E402
from feedback_app.services.calendar import TAIPEI, end_of_day  # noqa: E402

DAY = date(2026, 11, 25)  # a Wednesday, a working day


def load(cases: int, late_share: float) -> None:
    from feedback_app.models import City, Office, Unit, User

    city = City(code="TPE", name="臺北市")
    db.session.add(city)
    db.session.flush()
    officers: dict[int, list[tuple[int, int]]] = {}
    for o in range(12):
        office = Office(city_id=city.id, code=f"O{o:02d}", name=f"第{o}戶政事務所")
        db.session.add(office)
        db.session.flush()
        units = []
        for u in range(3):
            unit = Unit(office_id=office.id, code=f"U{u}", name=f"課{u}")
            db.session.add(unit)
            db.session.flush()
            units.append(unit)
            db.session.add(
                User(
                    username=f"o{o}.u{u}.supervisor",
                    display_name="課長",
                    role="supervisor",
                    city_id=city.id,
                    office_id=office.id,
                    unit_id=unit.id,
                    email=f"s{o}{u}@example.tw",
                    password_hash="x",
                )
            )
            for k in range(6):
                user = User(
                    username=f"o{o}.u{u}.officer{k}",
                    display_name="承辦人",
                    role="officer",
                    city_id=city.id,
                    office_id=office.id,
                    unit_id=unit.id,
                    email=f"o{o}{u}{k}@example.tw",
                    password_hash="x",
                )
                db.session.add(user)
                db.session.flush()
                officers.setdefault(office.id, []).append((unit.id, user.id))
        for role in ("monitor", "director"):
            db.session.add(
                User(
                    username=f"o{o}.{role}",
                    display_name=role,
                    role=role,
                    city_id=city.id,
                    office_id=office.id,
                    email=f"{role}{o}@example.tw",
                    password_hash="x",
                )
            )
    for role in ("monitor", "director"):
        db.session.add(
            User(
                username=f"tpe.{role}",
                display_name=role,
                role=role,
                city_id=city.id,
                email=f"tpe.{role}@example.tw",
                password_hash="x",
            )
        )
    db.session.commit()

    rng = random.Random(7)
    office_ids = sorted(officers)
    now = datetime.now(UTC)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        columns = (
            "number, city_id, office_id, unit_id, assignee_id, channel, subject, description, received_at, "
            "state, due_at, working_days, due_basis, confidential, created_at, updated_at, version"
        )
        with cursor.copy(f"COPY cases ({columns}) FROM STDIN") as copy:
            for i in range(cases):
                office_id = rng.choice(office_ids)
                unit_id, officer_id = rng.choice(officers[office_id])
                late = rng.random() < late_share
                due = (
                    DAY - timedelta(days=rng.randint(1, 28))
                    if late
                    else DAY + timedelta(days=rng.randint(0, 60))
                )
                while due.weekday() >= 5:
                    due += timedelta(days=1)
                assigned = rng.random() > 0.03
                received = datetime.combine(due - timedelta(days=8), dtime(10), tzinfo=TAIPEI)
                copy.write_row(
                    (
                        f"B{i:07d}",
                        city.id,
                        office_id,
                        unit_id,
                        officer_id if assigned else None,
                        "email",
                        "bench",
                        "",
                        received,
                        "assigned" if assigned else "received",
                        end_of_day(due),
                        6,
                        "{}",
                        False,
                        now,
                        now,
                        1,
                    )
                )
        raw.commit()
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--late-share", type=float, default=0.1, help="Share of open cases already overdue.")
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    admin_url = make_url(args.url).set(drivername="postgresql+psycopg")
    name = f"cf_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "BABEL_DEFAULT_LOCALE": "zh_TW"})
        with app.app_context():
            from flask_migrate import upgrade

            from jobs import chase
            from jobs.delivery import release_inapp

            upgrade()
            started = time.perf_counter()
            load(args.cases, args.late_share)
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            print(
                f"loaded {args.cases} open cases ({args.late_share:.0%} overdue) in "
                f"{time.perf_counter() - started:.1f} s"
            )
            now = datetime.combine(DAY, dtime(8, 30), tzinfo=TAIPEI)
            for label in ("first run (queues the day's reminders)", "second run (all already in the ledger)"):
                started = time.perf_counter()
                result = chase.chase(now)
                elapsed = time.perf_counter() - started
                print(
                    f"chase {label}: {elapsed:.2f} s, {result['queued']} queued of {result['considered']} "
                    f"messages"
                )
            started = time.perf_counter()
            result = chase.digest(now)
            print(f"digest: {time.perf_counter() - started:.2f} s, {result['queued']} queued")
            released = release_inapp(now)
            print(f"in-app messages released at 08:30: {released}")
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


if __name__ == "__main__":
    main()
