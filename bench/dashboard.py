"""Time the quarterly dashboard at city scale on PostgreSQL: 100k and 1M ratings (or the largest that
loads in time), its figures alone and the page as a browser loads it, with its six charts.

    python bench/dashboard.py [--sizes 100000,1000000] [--budget 420] [--runs 7]
        [--url postgresql://postgres@127.0.0.1:5432/postgres] [--keep] [--reuse KEPT_DATABASE ...]

For each size it creates a database of its own, builds the schema with the migrations, loads a city of
12 offices × 5 counters with ratings spread over 2024–2025 (working hours, 85% kiosk / 15% QR, 1% noise,
reasons for low scores, some demographics) through COPY, folds them into the roll-ups (the last 2,000 are
left unfolded, as fresh ratings are, so reads also count raw rows), then times `dashboard()` for 2025 Q4
for one office and for the whole city: the median of repeated runs after one warm-up. Then the page itself for
the whole city, through the app as a signed-in monitor: "cold" is the page and its six chart images with nothing
kept (figures counted, every chart drawn), "warm" a reload within the reuse window by a browser that kept the
images (nothing counted, each image a 304), "counted again" a reload after the window (figures counted, the
images still 304s as the figures did not change). Wall time and the process's CPU time are printed. The
database is dropped afterwards. A size whose load would not fit in the time budget (estimated from the
rows-per-second of the sizes before it) is skipped and reported as such.
"""

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedback_app import create_app  # noqa: E402
from feedback_app.extensions import db  # noqa: E402
from feedback_app.models import (  # noqa: E402
    City,
    Counter,
    Office,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Role,
    Unit,
    User,
)
from feedback_app.services import dashboard_cache  # noqa: E402
from feedback_app.services.analytics import dashboard, scope_of  # noqa: E402
from feedback_app.services.defaults import ensure_city_defaults  # noqa: E402
from feedback_app.services.rollups import rebuild_rollups, refresh_rollups  # noqa: E402
from feedback_app.services.stats import Period  # noqa: E402

OFFICES = 12
COUNTERS = 5
UNFOLDED = 2000
START = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 731
PERIOD = Period("quarter", 2025, 4)
NOW = datetime(2026, 1, 5, 2, tzinfo=UTC)
MONITOR_PASSWORD = "bench-monitor-password"
PAGE = f"/analytics/?period={PERIOD.key}"
REASONS = ["wait_long", "attitude", "unclear", "complicated", "facilities", "other"]


def make_database(base: str) -> tuple[str, str]:
    name = f"cf_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base).set(drivername="postgresql+psycopg", database=name)
    return name, url.render_as_string(hide_password=False)


def drop_database(base: str, name: str) -> None:
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> "
            "pg_backend_pid()",
            (name,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def build_city() -> tuple[City, list[Counter], int, int, int]:
    city = City(code="TPE", name="臺北市")
    db.session.add(city)
    db.session.flush()
    ensure_city_defaults(city)
    counters = []
    for o in range(OFFICES):
        office = Office(city_id=city.id, code=f"O{o:02d}", name=f"第{o + 1}戶政事務所")
        db.session.add(office)
        db.session.flush()
        unit = Unit(office_id=office.id, code="REG", name="戶籍登記課")
        db.session.add(unit)
        db.session.flush()
        for c in range(COUNTERS):
            counter = Counter(
                office_id=office.id, unit_id=unit.id, code=f"O{o:02d}-{c}", name=f"櫃檯 {c + 1}"
            )
            db.session.add(counter)
            counters.append(counter)
    monitor = User(username="bench.monitor", display_name="bench", role=Role.MONITOR, city_id=city.id)
    monitor.set_password(MONITOR_PASSWORD)
    db.session.add(monitor)
    db.session.commit()
    version = db.session.scalar(
        sa.select(QuestionnaireVersion).join(Questionnaire).where(Questionnaire.code == "kiosk")
    )
    overall = db.session.scalar(
        sa.select(Question.id).where(Question.version_id == version.id, Question.code == "overall")
    )
    reasons = db.session.scalar(
        sa.select(Question.id).where(Question.version_id == version.id, Question.code == "reasons")
    )
    return city, counters, version.id, overall, reasons


def load_ratings(url: str, size: int, counters, version_id: int, overall: int, reason_q: int) -> None:
    """COPY `size` ratings and their answers; all but the last UNFOLDED are marked folded."""
    rng = random.Random(size)
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    hash_ = "0" * 64
    answer_id = 0
    with psycopg.connect(plain) as conn, conn.cursor() as cur:
        # The generated rows are consistent by construction: skip the per-row foreign-key triggers while
        # loading, and build the secondary indexes once afterwards rather than row by row.
        cur.execute("SET session_replication_role = replica")
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i LEFT JOIN pg_constraint c ON c.conname = "
            "i.indexname WHERE i.tablename IN ('ratings', 'answers') AND c.conname IS NULL"
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        with cur.copy(
            "COPY ratings (id, uuid, office_id, unit_id, counter_id, questionnaire_version_id, channel, "
            "tapped_at, received_at, score, is_noise, content_hash, sex, age_group, rolled_up) "
            "FROM STDIN"
        ) as copy:
            lines = []
            answers = []
            for i in range(1, size + 1):
                counter = counters[rng.randrange(len(counters))]
                day = rng.randrange(DAYS)
                local = START + timedelta(days=day, hours=8 + rng.randint(0, 8), minutes=rng.randrange(60))
                tapped = local.strftime("%Y-%m-%d %H:%M:%S+08")  # a local working hour in Taipei
                r = rng.random()
                score = 5 if r < 0.3 else 4 if r < 0.7 else 3 if r < 0.9 else 2 if r < 0.97 else 1
                channel = "kiosk" if rng.random() < 0.85 else "counter_qr"
                sex = rng.choice(("female", "male")) if rng.random() < 0.1 else "\\N"
                age = rng.choice(("20_39", "40_64", "65_plus")) if sex != "\\N" else "\\N"
                lines.append(
                    f"{i}\t00000000-0000-4000-8000-{i:012x}\t{counter.office_id}\t{counter.unit_id}\t"
                    f"{counter.id}\t{version_id}\t{channel}\t{tapped}\t{tapped}\t{score}\t"
                    f"{'t' if rng.random() < 0.01 else 'f'}\t{hash_}\t{sex}\t{age}\t"
                    f"{'f' if i > size - UNFOLDED else 't'}\n"
                )
                answer_id += 1
                answers.append(f"{answer_id}\t{i}\t{overall}\t{score}\t\\N\n")
                if score <= 2:
                    answer_id += 1
                    answers.append(f'{answer_id}\t{i}\t{reason_q}\t\\N\t["{rng.choice(REASONS)}"]\n')
                if len(lines) >= 50_000:
                    copy.write("".join(lines))
                    lines.clear()
            copy.write("".join(lines))
        with cur.copy("COPY answers (id, rating_id, question_id, score, choices) FROM STDIN") as copy:
            for start in range(0, len(answers), 100_000):
                copy.write("".join(answers[start : start + 100_000]))
        for _, definition in indexes:
            cur.execute(definition)
        cur.execute("SELECT setval('ratings_id_seq', %s)", (size,))
        cur.execute("SELECT setval('answers_id_seq', %s)", (answer_id,))
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE ratings")
        cur.execute("VACUUM ANALYZE answers")


def time_dashboard(scope, runs: int) -> float:
    dashboard(scope, PERIOD, now=NOW)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        dashboard(scope, PERIOD, now=NOW)
        times.append((time.perf_counter() - start) * 1000)
        db.session.rollback()
    return statistics.median(times)


def _page_load(client, etags: dict | None = None) -> tuple[float, float, dict]:
    """The dashboard page and every chart image on it, as a browser fetches them; (wall ms, CPU ms, ETags)."""
    import html
    import re

    wall, cpu = time.perf_counter(), time.process_time()
    page = client.get(PAGE)
    assert page.status_code == 200, page.status_code
    seen = {}
    for src in re.findall(r'<img src="([^"]+)"', page.get_data(as_text=True)):
        link = html.unescape(src)
        headers = {"If-None-Match": etags[link]} if etags and link in etags else {}
        image = client.get(link, headers=headers)
        assert image.status_code in (200, 304), (link, image.status_code)
        seen[link] = image.headers.get("ETag", "")
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, seen


def time_page(app, runs: int) -> dict:
    """The city's dashboard page with its charts: cold (nothing kept: counted and drawn), warm (a reload within
    DASHBOARD_REUSE_SECONDS: nothing counted, every image a 304) and recounted (the window over: counted again,
    the same figures give the same images, so still 304s)."""
    client = app.test_client()
    response = client.post("/login", data={"username": "bench.monitor", "password": MONITOR_PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    dashboard_cache.forget_all()
    app.config["DASHBOARD_REUSE_SECONDS"] = 60
    cold_ms, cold_cpu, etags = _page_load(client)
    warm = [_page_load(client, etags)[:2] for _ in range(runs)]
    app.config["DASHBOARD_REUSE_SECONDS"] = 0
    recounted = [_page_load(client, etags)[:2] for _ in range(runs)]
    return {
        "page_cold_ms": cold_ms,
        "page_cold_cpu": cold_cpu,
        "page_warm_ms": statistics.median(w for w, _ in warm),
        "page_warm_cpu": statistics.median(c for _, c in warm),
        "page_recount_ms": statistics.median(w for w, _ in recounted),
        "page_recount_cpu": statistics.median(c for _, c in recounted),
        "charts": len(etags),
    }


def _page_line(result: dict) -> str:
    return (
        f"page with {result['charts']} charts (whole city): cold {result['page_cold_ms']:.0f} ms "
        f"(cpu {result['page_cold_cpu']:.0f} ms), warm {result['page_warm_ms']:.0f} ms "
        f"(cpu {result['page_warm_cpu']:.0f} ms), counted again {result['page_recount_ms']:.0f} ms "
        f"(cpu {result['page_recount_cpu']:.0f} ms)"
    )


def time_kept(base: str, name: str, runs: int) -> None:
    """Time the dashboard again on a database an earlier run kept, brought up to the current schema first,
    without loading anything."""
    url = make_url(base).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        ratings = db.session.scalar(sa.text("SELECT count(*) FROM ratings"))
        office = db.session.scalar(sa.select(Office).order_by(Office.id))
        city = db.session.scalar(sa.select(City))
        print(
            f"{ratings:>11,} ratings (kept database {name}): dashboard {PERIOD.label} median of {runs}: "
            f"one office {time_dashboard(scope_of(office), runs):.0f} ms, "
            f"whole city {time_dashboard(scope_of(city), runs):.0f} ms; {_page_line(time_page(app, runs))}",
            flush=True,
        )
        db.session.remove()
        db.engine.dispose()


def run_size(base: str, size: int, runs: int, keep: bool = False) -> dict:
    name, url = make_database(base)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            city, counters, version_id, overall, reasons = build_city()
            started = time.perf_counter()
            load_ratings(url, size, counters, version_id, overall, reasons)
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            rebuild_rollups()
            rebuilt = time.perf_counter() - started
            db.session.execute(sa.text("ANALYZE score_rollups"))
            db.session.commit()
            rows = db.session.scalar(sa.text("SELECT count(*) FROM score_rollups"))
            office = db.session.scalar(sa.select(Office).order_by(Office.id))
            result = {
                "size": size,
                "load_s": loaded,
                "rollup_s": rebuilt,
                "rollup_rows": rows,
                "office_ms": time_dashboard(scope_of(office), runs),
                "city_ms": time_dashboard(scope_of(city), runs),
            }
            result.update(time_page(app, runs))
            started = time.perf_counter()
            result["refresh_unfolded"] = refresh_rollups()
            result["refresh_s"] = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
        return result
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            drop_database(base, name)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--budget", type=float, default=420.0, help="seconds the whole run may take")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the databases (to look at query plans)")
    parser.add_argument("--reuse", action="append", default=[], help="time again on a kept database (by name)")
    args = parser.parse_args()
    if args.reuse:
        for name in args.reuse:
            time_kept(args.url, name, args.runs)
        return
    began = time.perf_counter()
    rate = None
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        left = args.budget - (time.perf_counter() - began)
        if rate is not None and size / rate * 2.2 > left:
            fits = int(left / 2.2 * rate) // 100_000 * 100_000
            print(
                f"{size:>11,} ratings: would need ~{size / rate * 2.2:.0f} s to load and fold, "
                f"{left:.0f} s left; "
                f"running {fits:,} instead"
                if fits > results[-1]["size"]
                else f"{size:,}: skipped, no time left"
            )
            if fits <= results[-1]["size"]:
                continue
            size = fits
        result = run_size(args.url, size, args.runs, args.keep)
        rate = size / (result["load_s"] + result["rollup_s"])
        results.append(result)
        print(
            f"{size:>11,} ratings: load {result['load_s']:.1f} s, roll-up build {result['rollup_s']:.1f} s "
            f"({result['rollup_rows']:,} score roll-up rows); "
            f"dashboard {PERIOD.label} median of {args.runs}: "
            f"one office {result['office_ms']:.0f} ms, whole city {result['city_ms']:.0f} ms; "
            f"{_page_line(result)}; "
            f"folding {result['refresh_unfolded']:,} fresh ratings took {result['refresh_s'] * 1000:.0f} ms",
            flush=True,
        )
    if len(results) >= 2:
        small, large = results[0], results[-1]
        print(
            f"ratio {large['size']:,} / {small['size']:,}: "
            f"office {large['office_ms'] / small['office_ms']:.2f}×, "
            f"city {large['city_ms'] / small['city_ms']:.2f}×"
        )


if __name__ == "__main__":
    main()
