"""Benchmark POST /api/v1/ratings under gunicorn on PostgreSQL against a plain-SQL baseline.

Creates a database of its own (dropped at the end), seeds a city with kiosks, starts gunicorn, then drives
  1. the API and the baseline route (same rows, plain SQL, same server) at fixed rates (default 200 ratings/s);
     the API's kiosks run an hour fast and send their clock, so each rating is corrected for it,
  2. both flat out, in alternating slices (API, baseline, API, ...) so that whatever else the machine is doing
     weighs on both alike; the throughput and CPU ratios are the medians over the pairs of slices,
with concurrent keep-alive clients, printing throughput, p50/p99 latency and the server's CPU time per request.
It does so once per place the rate limiter keeps its counters (--limiter): each worker's memory, and a
redis-server started for the run (whose own CPU per rating is shown beside). Bounded in time; loopback only.

    python bench/ratings_ingest.py [--limiter memory] [--limiter redis] [--rate 200] [--seconds 20] [--pairs 6]
                                   [--slice 5] [--clients 8] [--workers 2]
"""

import argparse
import http.client
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def autocommit_engine(url: str) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")


def create_database(base: str) -> tuple[str, str]:
    name = f"cf_bench_{uuid.uuid4().hex[:10]}"
    admin = autocommit_engine(base)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, base.rsplit("/", 1)[0] + "/" + name


def drop_database(base: str, name: str) -> None:
    admin = autocommit_engine(base)
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def seed(url: str, kiosks: int) -> tuple[list[str], int, int]:
    """Migrate and seed: one city and office with a counter and paired kiosk per client."""
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade

    from feedback_app import create_app
    from feedback_app.extensions import db
    from feedback_app.models import City, Counter, Office, Question, Unit
    from feedback_app.services import devices
    from feedback_app.services.defaults import ensure_city_defaults
    from feedback_app.services.ratings import current_version

    app = create_app()
    with app.app_context():
        upgrade()
        city = City(code="BEN", name="測試市")
        db.session.add(city)
        db.session.flush()
        ensure_city_defaults(city)
        office = Office(city_id=city.id, code="BN", name="測試戶政事務所")
        db.session.add(office)
        db.session.flush()
        unit = Unit(office_id=office.id, code="REG", name="戶籍登記課")
        db.session.add(unit)
        db.session.flush()
        tokens = []
        for i in range(kiosks):
            counter = Counter(office_id=office.id, unit_id=unit.id, code=f"BN-{i:02d}", name=f"櫃檯 {i}")
            db.session.add(counter)
            db.session.flush()
            _, code = devices.register_device(counter)
            device, token = devices.pair(code)
            device.paired_at = datetime.now(UTC) - timedelta(days=30)  # in service before the simulated taps
            tokens.append(token)
        version = current_version(city.id, "kiosk")
        question_id = db.session.scalar(
            sa.select(Question.id).where(Question.version_id == version.id, Question.code == "overall")
        )
        db.session.commit()
        db.engine.dispose()
        return tokens, version.id, question_id


BASELINE = "/bench/baseline-ratings"
CLOCK_START = time.time() - 2 * 86400
# The API's kiosks run an hour fast and say so with each send, so every rating takes the clock correction.
DEVICE_CLOCK_AHEAD = timedelta(hours=1)
TAPS: dict[str, itertools.count] = defaultdict(lambda: itertools.count(1))


class Client(threading.Thread):
    """One kiosk: a keep-alive connection sending single ratings, on a schedule or back to back."""

    def __init__(self, port, path, token, extra, stop_at, interval=None, offset=0.0):
        super().__init__(daemon=True)
        self.port, self.path, self.token, self.extra = port, path, token, extra
        self.stop_at, self.interval, self.offset = stop_at, interval, offset
        self.latencies: list[float] = []
        self.errors = 0

    def body(self) -> bytes:
        # Taps 7 s apart on each kiosk's simulated clock, which starts two days ago and runs on from one run to
        # the next, so no tap falls within the noise window of another; mostly happy scores.
        tap = next(TAPS[self.token])
        tapped = datetime.fromtimestamp(CLOCK_START + tap * 7, UTC)
        score = 5 - (tap % 4 == 0)
        data = {
            "uuid": str(uuid.uuid4()),
            "tapped_at": tapped.isoformat(),
            "locale": "zh_TW",
            "answers": {"overall": score},
        }
        if self.path != BASELINE:
            data["tapped_at"] = (tapped + DEVICE_CLOCK_AHEAD).isoformat()
            data["sent_at"] = (datetime.now(UTC) + DEVICE_CLOCK_AHEAD).isoformat()
        data.update(self.extra)
        return json.dumps(data).encode()

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        next_at = time.perf_counter() + self.offset
        while True:
            if self.interval is not None:
                delay = next_at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                next_at += self.interval
            if time.perf_counter() >= self.stop_at:
                break
            payload = self.body()
            started = time.perf_counter()
            try:
                conn.request("POST", self.path, body=payload, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.latencies.append(time.perf_counter() - started)
            if not ok:
                self.errors += 1
        conn.close()


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by gunicorn's workers (children of the arbiter), read from /proc (Linux)."""
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")
    return total


def drive(port, path, tokens, extra, seconds, rate=None, server_pid=None) -> dict:
    cpu_before = server_cpu(server_pid) if server_pid else float("nan")
    start = time.perf_counter() + 0.2
    stop_at = start + seconds
    interval = len(tokens) / rate if rate else None
    clients = [
        Client(port, path, token, extra, stop_at, interval, offset=0.2 + (interval or 0) * i / len(tokens))
        for i, token in enumerate(tokens)
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    latencies = sorted(latency for client in clients for latency in client.latencies)
    errors = sum(client.errors for client in clients)
    count = len(latencies)

    def pct(p):
        return latencies[min(count - 1, int(p * count))] * 1000 if count else float("nan")

    cpu = server_cpu(server_pid) - cpu_before if server_pid else float("nan")
    return {
        "requests": count,
        "cpu_ms": cpu / count * 1000 if count else float("nan"),
        "errors": errors,
        "throughput": (count - errors) / seconds,
        "p50": pct(0.50),
        "p99": pct(0.99),
        "mean": statistics.fmean(latencies) * 1000 if count else 0,
    }


def analyze(url: str) -> None:
    """Refresh the planner's statistics after the warm-up, as autovacuum keeps them on a live database: a fresh
    table's first plans assume it is empty and would time the planner's guess, not the steady state."""
    engine = autocommit_engine(url)
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()


def wait_until_up(port, deadline=120):
    end = time.time() + deadline
    while time.time() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def report(label, result):
    print(
        f"{label:<34} {result['requests']:>7} req {result['errors']:>5} err "
        f"{result['throughput']:>8.1f} /s   p50 {result['p50']:>6.1f} ms   p99 {result['p99']:>6.1f} ms   "
        f"server CPU {result['cpu_ms']:.2f} ms/request"
    )


def start_server(url: str, workers: int, storage_uri: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        APP_ENV="development",
        RATINGS_RATE_LIMIT="1000000/minute",  # counted on every rating, never reached
        RATELIMIT_STORAGE_URI=storage_uri,
        SECRET_KEY="bench-only",
        PYTHONPATH=str(ROOT),
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-k",
            "gthread",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.baseline_wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    wait_until_up(port)
    return server, port


def measure(label, args, url, tokens, version_id, question_id, storage_uri, redis=None) -> dict:
    """One gunicorn with the limiter's counters in `storage_uri`: fixed rates, then alternating flat-out pairs."""
    server, port = start_server(url, args.workers, storage_uri)
    try:
        print(f"\n== limiter counters in {label} ({storage_uri})")
        baseline_extra = {"version_id": version_id, "question_id": question_id}
        drive(port, "/api/v1/ratings", tokens, {}, 3)  # warm-up
        drive(port, BASELINE, tokens, baseline_extra, 3)
        analyze(url)
        pid = server.pid
        at_rate = {}
        for rate in args.rates:
            at_rate[rate] = drive(port, "/api/v1/ratings", tokens, {}, args.seconds, rate, pid)
            report(f"POST /api/v1/ratings @ {rate:.0f}/s", at_rate[rate])
            base = drive(port, BASELINE, tokens, baseline_extra, args.seconds, rate, pid)
            report(f"baseline SQL @ {rate:.0f}/s", base)
            at_rate[rate]["cpu_ratio"] = base["cpu_ms"] / at_rate[rate]["cpu_ms"]
        pairs, redis_ms = [], []
        for _ in range(args.pairs):
            redis_before = redis.cpu_seconds() if redis else 0.0
            api = drive(port, "/api/v1/ratings", tokens, {}, args.slice, server_pid=pid)
            if redis:
                redis_ms.append((redis.cpu_seconds() - redis_before) / max(api["requests"], 1) * 1000)
            base = drive(port, BASELINE, tokens, baseline_extra, args.slice, server_pid=pid)
            pairs.append((api, base))
            report("POST /api/v1/ratings flat out", api)
            report("baseline SQL flat out", base)
    finally:
        server.terminate()
        server.wait(10)
    throughput = sorted(api["throughput"] / base["throughput"] for api, base in pairs)
    cpu = sorted(base["cpu_ms"] / api["cpu_ms"] for api, base in pairs)
    return {
        "label": label,
        "throughput": throughput,
        "cpu": cpu,
        "api_cpu_ms": statistics.median(api["cpu_ms"] for api, _ in pairs),
        "base_cpu_ms": statistics.median(base["cpu_ms"] for _, base in pairs),
        "redis_cpu_ms": statistics.median(redis_ms) if redis_ms else None,
        "at_rate": at_rate,
    }


def summary(result: dict) -> None:
    cpu, throughput = result["cpu"], result["throughput"]
    print(
        f"{result['label']:<8} server CPU per rating: API {result['api_cpu_ms']:.2f} ms, baseline "
        f"{result['base_cpu_ms']:.2f} ms -> baseline / API = {statistics.median(cpu):.2f} "
        f"(range {cpu[0]:.2f}-{cpu[-1]:.2f}; target >= 0.80); throughput API / baseline = "
        f"{100 * statistics.median(throughput):.0f}% (range {100 * throughput[0]:.0f}-{100 * throughput[-1]:.0f}%)"
    )
    if result["redis_cpu_ms"] is not None:
        print(f"{'':<8} plus redis-server's own CPU: {result['redis_cpu_ms']:.3f} ms per rating")
    for rate, at in result["at_rate"].items():
        print(f"{'':<8} at {rate:.0f}/s: p99 {at['p99']:.1f} ms (target < 50 ms), baseline / API CPU "
              f"{at['cpu_ratio']:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--rate", type=float, action="append", help="Fixed rates in ratings/s (default 200)")
    parser.add_argument("--seconds", type=float, default=20, help="Length of each fixed-rate run")
    parser.add_argument("--pairs", type=int, default=6, help="Alternating flat-out slices of API and baseline")
    parser.add_argument("--slice", type=float, default=5, help="Length of each flat-out slice in seconds")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--limiter",
        choices=["memory", "redis"],
        action="append",
        help="Where the limiter keeps its counters: each worker's memory, or a redis-server started for the run "
        "(default: both, one after the other)",
    )
    args = parser.parse_args()
    args.seconds = min(args.seconds, 60)
    args.slice = min(args.slice, 30)
    args.rates = args.rate or [200.0]
    limiters = args.limiter or ["memory", "redis"]
    name, url = create_database(args.database)
    redis = None
    try:
        tokens, version_id, question_id = seed(url, args.clients)
        print(
            f"gunicorn: {args.workers} workers x 4 threads; PostgreSQL database {name}; "
            f"{args.clients} concurrent kiosks; {args.seconds:.0f} s per fixed-rate run, "
            f"{args.pairs} pairs of {args.slice:.0f} s flat-out slices; load average before: "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        results = []
        for limiter in limiters:
            if limiter == "redis":
                from bench.redis_process import RedisProcess

                redis = RedisProcess()
                results.append(measure("redis", args, url, tokens, version_id, question_id, redis.url, redis))
            else:
                results.append(measure("memory", args, url, tokens, version_id, question_id, "memory://"))
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for result in results:
            summary(result)
    finally:
        if redis is not None:
            redis.stop()
        drop_database(args.database, name)


if __name__ == "__main__":
    main()
