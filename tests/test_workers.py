"""Several workers: the ratings limit holds across two gunicorn workers sharing one Redis (the sum of the ratings
they accept is the limit, not twice it), and production gunicorn refuses several workers without a shared store."""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from feedback_app.extensions import db
from tests.conftest import free_port
from tests.kiosk.factories import paired_kiosk, rating

ROOT = Path(__file__).resolve().parents[1]


class Gunicorn:
    """`gunicorn wsgi:app` from the repository, as the README deploys it, logging which worker served what."""

    def __init__(self, tmp_path: Path, workers: int, **env: str):
        self.port = free_port()
        self.access_log = tmp_path / "access.log"
        self.error_log = tmp_path / "error.log"
        self.stderr = tmp_path / "stderr.log"
        environment = {**os.environ, "APP_ENV": "development", "SECRET_KEY": "test-only", **env}
        environment.pop("TEST_DATABASE_URL", None)
        with self.stderr.open("w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
                 "--access-logfile", str(self.access_log), "--access-logformat", "%(p)s %(s)s %(U)s",
                 "--error-logfile", str(self.error_log), "wsgi:app"],
                cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=stderr,
            )

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.error_log.read_text()}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
            finally:
                conn.close()
        raise AssertionError("gunicorn did not answer")

    def post(self, path: str, body: dict, headers: dict) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", path, body=json.dumps(body),
                         headers={"Content-Type": "application/json", "Connection": "close", **headers})
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(30)


@pytest.fixture
def gunicorn(tmp_path, database_url):
    started = []

    def start(workers: int, **env: str) -> Gunicorn:
        server = Gunicorn(tmp_path, workers, DATABASE_URL=database_url, **env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.mark.slow
def test_the_ratings_limit_holds_across_two_gunicorn_workers_sharing_redis(app, org, redis_url, gunicorn):
    """Two workers, one Redis, a limit of 12 ratings an hour per kiosk: ratings sent 8 at a time, in waves until
    both workers have served some (which one accepts a connection is the kernel's choice), are accepted 12 times
    in all and refused (429) the rest. Counting alone, the second worker would accept its first rating too."""
    _, token = paired_kiosk(db.session.merge(org.a.counters[0]))
    server = gunicorn(2, RATELIMIT_STORAGE_URI=redis_url, RATINGS_RATE_LIMIT="12/hour")
    server.wait_until_up()
    codes: list[int] = []
    lock = threading.Lock()

    def kiosk() -> None:
        code = server.post("/api/v1/ratings", rating(), {"Authorization": f"Bearer {token}"})
        with lock:
            codes.append(code)

    def workers_that_served() -> set[str]:
        served = [line.split() for line in server.access_log.read_text().splitlines()]
        return {pid for pid, status, path in served if path == "/api/v1/ratings"}

    for _wave in range(30):
        threads = [threading.Thread(target=kiosk) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        if len(codes) >= 40 and len(workers_that_served()) == 2:
            break
    assert len(workers_that_served()) == 2, "the requests did not reach both workers"
    assert sorted(set(codes)) == [200, 429], codes
    assert codes.count(200) == 12 and codes.count(429) == len(codes) - 12


@pytest.mark.slow
def test_production_gunicorn_refuses_several_workers_that_would_each_count_alone(gunicorn):
    server = gunicorn(2, APP_ENV="production")
    assert server.process.wait(60) != 0
    assert "Refusing to start 2 workers" in server.stderr.read_text()
    assert "RATELIMIT_STORAGE_URI=redis://" in server.stderr.read_text()
