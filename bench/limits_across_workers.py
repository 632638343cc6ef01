"""Show the ratings limit holding across gunicorn workers: 4 workers whose limiter keeps its counters in Redis,
kiosks sending ratings flat out; each kiosk's accepted ratings against what its configured limit allows. The same
run with the counters in each worker's own memory shows what the shared store prevents (about workers x limit).

Creates a PostgreSQL database and a redis-server of its own (both removed at the end), starts gunicorn as the
README deploys it (sync workers, one connection per request, so the kernel spreads them over the workers).
Bounded in time; loopback only.

    python bench/limits_across_workers.py [--workers 4] [--limit "30 per 10 seconds"] [--seconds 25] [--kiosks 4]
"""

import argparse
import http.client
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ratings_ingest import create_database, drop_database, free_port, seed, wait_until_up  # noqa: E402
from bench.redis_process import RedisProcess  # noqa: E402


def post_rating(port: int, token: str) -> int:
    body = {
        "uuid": str(uuid.uuid4()),
        "tapped_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "locale": "zh_TW",
        "answers": {"overall": 5},
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/v1/ratings", body=json.dumps(body),
                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        conn.close()


def drive(port: int, tokens: list[str], seconds: float, connections_per_kiosk: int) -> dict[int, Counter]:
    """Every kiosk sends back to back over a few connections for `seconds`; status codes per kiosk."""
    results = {i: Counter() for i in range(len(tokens))}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def kiosk(i: int) -> None:
        while time.monotonic() < stop_at:
            code = post_rating(port, tokens[i])
            with lock:
                results[i][code] += 1

    threads = [threading.Thread(target=kiosk, args=(i,), daemon=True)
               for i in range(len(tokens)) for _ in range(connections_per_kiosk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def run(label, storage_uri, args, url, tokens) -> None:
    from limits import parse

    limit = parse(args.limit)
    period = limit.get_expiry()
    port = free_port()
    access_log = Path(tempfile.mkstemp(prefix="bench-access-", suffix=".log")[1])
    env = dict(os.environ, DATABASE_URL=url, APP_ENV="development", SECRET_KEY="bench-only", PYTHONPATH=str(ROOT),
               RATINGS_RATE_LIMIT=args.limit, RATELIMIT_STORAGE_URI=storage_uri)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s",
         "wsgi:app"],
        cwd=ROOT, env=env,
    )
    try:
        wait_until_up(port, deadline=120)
        started = time.monotonic()
        results = drive(port, tokens, args.seconds, args.connections)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(30)
    windows = math.ceil(elapsed / period)
    allowed = windows * limit.amount
    pids = Counter(line.split()[0] for line in access_log.read_text().splitlines() if line.endswith(" 200"))
    access_log.unlink()
    print(f"\n{label}: {args.workers} workers, RATINGS_RATE_LIMIT={args.limit!r} per kiosk, "
          f"{elapsed:.1f} s = {windows} windows of {period} s -> at most {allowed} accepted per kiosk")
    for i, counts in results.items():
        other = sum(n for code, n in counts.items() if code not in (200, 429))
        verdict = "holds" if counts[200] <= allowed else f"EXCEEDED {counts[200] / allowed:.1f}x"
        print(f"  kiosk {i}: accepted {counts[200]:>4}  refused (429) {counts[429]:>5}  other {other:>3}   "
              f"limit {verdict}")
    total = sum(c[200] for c in results.values())
    print(f"  all kiosks: accepted {total} of at most {allowed * len(tokens)}; accepted ratings were served by "
          f"{len(pids)} worker(s): {', '.join(str(n) for n in sorted(pids.values(), reverse=True))}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--limit", default="30 per 10 seconds", help="RATINGS_RATE_LIMIT for the run")
    parser.add_argument("--seconds", type=float, default=25)
    parser.add_argument("--kiosks", type=int, default=4)
    parser.add_argument("--connections", type=int, default=2, help="Concurrent connections per kiosk")
    parser.add_argument("--no-memory", action="store_true", help="Skip the run with per-worker counters")
    args = parser.parse_args()
    args.seconds = min(args.seconds, 60)
    name, url = create_database(args.database)
    redis = RedisProcess()
    try:
        tokens, _, _ = seed(url, args.kiosks)
        run("Redis (shared counters)", redis.url, args, url, tokens)
        if not args.no_memory:
            run("in-process memory (each worker counts alone)", "memory://", args, url, tokens)
    finally:
        redis.stop()
        drop_database(args.database, name)


if __name__ == "__main__":
    main()
