"""What the rate limiter itself costs per rating request, for each place it can keep its counters.

One app in this process (SQLite file, migrated), requests to POST /api/v1/ratings through the test client with an
unknown device token (the limiter counts them, the view answers 401 after one query), paced like a kiosk
stream reaching one worker (--gap, default 12 ms apart). Whole-process CPU per request, threads included, is
compared with the limiter switched off; "memory (limits' timer)" is the library's own MemoryStorage, which
starts a 10 ms timer thread again whenever the previous one has fired. A redis-server is started for the run.

    python bench/limiter_cost.py [--requests 300] [--gap 0.012]
"""

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from limits.storage import MemoryStorage  # noqa: E402

from bench.redis_process import RedisProcess  # noqa: E402


class TimerMemoryStorage(MemoryStorage):
    """The library's MemoryStorage, unchanged, under a scheme of its own (memory:// now means the app's)."""

    STORAGE_SCHEME = ["timer-memory"]


def cost(database: str, storage: str | None, requests: int, gap: float) -> tuple[float, float]:
    from feedback_app import create_app

    config = {"SQLALCHEMY_DATABASE_URI": database, "RATELIMIT_ENABLED": storage is not None,
              "RATINGS_RATE_LIMIT": "1000000/minute"}
    if storage:
        config["RATELIMIT_STORAGE_URI"] = storage
    app = create_app({"TESTING": False, **config})
    client = app.test_client()
    headers = {"Authorization": "Bearer unknown-device"}
    for _ in range(20):
        client.post("/api/v1/ratings", json={}, headers=headers)
    started = []
    original = threading.Thread.start

    def counting(thread):
        started.append(1)
        return original(thread)

    threading.Thread.start = counting
    try:
        cpu = time.process_time()
        for _ in range(requests):
            time.sleep(gap)
            client.post("/api/v1/ratings", json={}, headers=headers)
        time.sleep(0.05)
        cpu = time.process_time() - cpu
    finally:
        threading.Thread.start = original
    return cpu / requests * 1000, len(started) / requests


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--gap", type=float, default=0.012)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from feedback_app import create_app

    database = f"sqlite:///{tempfile.mkdtemp(prefix='bench-limiter-')}/bench.db"
    with create_app({"TESTING": False, "SQLALCHEMY_DATABASE_URI": database}).app_context():
        upgrade()
    redis = RedisProcess()
    try:
        storages = [("limiter off", None), ("memory (limits' timer)", "timer-memory://"),
                    ("memory (this app)", "memory://"), ("redis", redis.url)]
        results = {}
        for _round in range(2):  # twice, interleaved, so a burst of load elsewhere weighs on all alike
            for label, uri in storages:
                results.setdefault(label, []).append(cost(database, uri, args.requests, args.gap))
        off = min(ms for ms, _ in results["limiter off"])
        print(f"{args.requests} requests x 2 rounds, {args.gap * 1000:.0f} ms apart; whole-process CPU per request "
              f"(best round); the limiter's cost is the difference from 'limiter off'")
        for label, rounds in results.items():
            ms, threads = min(rounds)
            print(f"  {label:<24} {ms:6.3f} ms/request  (+{ms - off:5.3f} ms)   threads started per request: "
                  f"{threads:.2f}")
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
