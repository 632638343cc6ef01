"""Time the city dashboard of a fresh demo on PostgreSQL, as a new user gets it.

    python bench/fresh_demo.py [--url postgresql://postgres@127.0.0.1:5432/postgres] [--runs 3] [--keep]

Creates an empty database of its own, runs `flask --app wsgi db upgrade` and `flask --app wsgi seed-demo`
exactly as the README does (separate processes), then signs in as `admin` and times GET /analytics/ (the city
dashboard, this quarter) in a fresh app: each run and their median. It also prints whether the planner has
statistics for the ratings table (pg_class.reltuples, pg_stat_user_tables.last_analyze). The database is
dropped afterwards unless --keep is given.

Measured on a 2-core machine shared with other work (load average about 8), PostgreSQL 15 with autovacuum off,
the default demo (58,700 ratings, 320 cases): before seed-demo ran ANALYZE, the first city dashboard took
402 s (the issue saw 78 s on a quiet machine); the same demo with a hand-run ANALYZE (1.1 s) took 2.7 s, then
1.5-1.9 s; with seed-demo analysing (and folding the ratings) itself, 7.0 s cold, then a median of 1.9 s.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback_app import create_app  # noqa: E402


def flask(url: str, *args: str) -> float:
    env = dict(os.environ, DATABASE_URL=url, APP_ENV="development")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def planner_statistics(dsn: str) -> tuple[float, object]:
    with psycopg.connect(dsn) as conn:
        reltuples = conn.execute("SELECT reltuples FROM pg_class WHERE relname = 'ratings'").fetchone()[0]
        analyzed = conn.execute(
            "SELECT greatest(last_analyze, last_autoanalyze) FROM pg_stat_user_tables WHERE relname = 'ratings'"
        ).fetchone()[0]
    return reltuples, analyzed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    name = f"cf_fresh_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(args.url).set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)
    dsn = make_url(args.url).set(database=name).render_as_string(hide_password=False)
    try:
        print(f"database {name}")
        print(f"db upgrade: {flask(url, 'db', 'upgrade'):.1f} s")
        print(f"seed-demo:  {flask(url, 'seed-demo'):.1f} s")
        reltuples, analyzed = planner_statistics(dsn)
        print(f"ratings: pg_class.reltuples = {reltuples:.0f}, last analyzed = {analyzed}")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
        client = app.test_client()
        client.post("/login", data={"username": "admin", "password": "demo-password"})
        times = []
        for run in range(args.runs):
            started = time.perf_counter()
            response = client.get("/analytics/")
            times.append(time.perf_counter() - started)
            print(f"city dashboard run {run + 1}: {times[-1]:.2f} s (HTTP {response.status_code})", flush=True)
        print(f"city dashboard median of {args.runs}: {statistics.median(times):.2f} s")
    finally:
        if args.keep:
            print(f"kept database {name}")
        else:
            with psycopg.connect(args.url, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid()", (name,))
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
