"""Where rate-limit counters live: in-process without a thread per request, shared through Redis in production,
and production told loudly (or refused by gunicorn) when several workers would each count on their own."""

import logging
import secrets
import threading
import time

import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from feedback_app.extensions import db, limiter
from feedback_app.ratelimit import ProcessMemoryStorage, refuse_unshared_workers
from tests.conftest import IsolatedClient
from tests.kiosk.factories import bearer, paired_kiosk, rating


def test_the_in_process_limiter_starts_no_thread_for_the_ratings_it_counts(make_app, org, monkeypatch):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    app.test_client_class = IsolatedClient
    with app.app_context():
        _, token = paired_kiosk(db.session.merge(org.a.counters[0]))
        started = []
        original = threading.Thread.start
        monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self) or original(self))
        client = app.test_client()
        for _ in range(4):
            time.sleep(0.02)  # longer than limits' 10 ms expiry timer, which then starts anew on each increment
            assert client.post("/api/v1/ratings", json=rating(), headers=bearer(token)).status_code == 200
        assert started == []
        assert isinstance(limiter.storage, ProcessMemoryStorage)


def test_expired_counters_are_swept_inline_without_a_timer(monkeypatch):
    monkeypatch.setattr(ProcessMemoryStorage, "SWEEP_SECONDS", 0.05)
    storage = ProcessMemoryStorage("process-memory://")
    strategy = FixedWindowRateLimiter(storage)
    assert strategy.hit(parse("1/second"), "old")
    time.sleep(1.1)
    assert strategy.hit(parse("1/second"), "new")
    assert [key for key in storage.storage if "old" in key] == []
    assert strategy.hit(parse("1/second"), "old") and not strategy.hit(parse("1/second"), "old")


def test_production_counting_in_process_memory_warns_loudly(make_app, caplog):
    production = {"ENV_NAME": "production", "SECRET_KEY": secrets.token_hex(32),
                  "PUBLIC_BASE_URL": "https://feedback.example.gov.tw"}
    with caplog.at_level(logging.WARNING, logger="feedback_app.ratelimit"):
        make_app(**production)
    assert "allows N times its limit" in caplog.text and "RATELIMIT_STORAGE_URI=redis://" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="feedback_app.ratelimit"):
        make_app(**production, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    assert caplog.text == ""


def test_gunicorn_refuses_several_production_workers_that_would_each_count_on_their_own():
    with pytest.raises(SystemExit, match="Refusing to start 4 workers"):
        refuse_unshared_workers("production", 4, None)
    with pytest.raises(SystemExit):
        refuse_unshared_workers("production", 2, "memory://")
    refuse_unshared_workers("production", 4, "redis://127.0.0.1:6379/0")
    refuse_unshared_workers("production", 1, None)
    refuse_unshared_workers("development", 4, None)


def test_a_refused_rating_says_when_to_try_again_and_accepted_ones_carry_no_limit_headers(make_app, org):
    app = make_app(RATELIMIT_ENABLED=True, RATINGS_RATE_LIMIT="1/minute")
    app.test_client_class = IsolatedClient
    with app.app_context():
        _, token = paired_kiosk(db.session.merge(org.a.counters[0]))
        client = app.test_client()
        accepted = client.post("/api/v1/ratings", json=rating(), headers=bearer(token))
        refused = client.post("/api/v1/ratings", json=rating(), headers=bearer(token))
    assert accepted.status_code == 200 and not any(h.startswith("X-RateLimit") for h in accepted.headers.keys())
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_ratings_are_still_taken_while_redis_is_down_each_worker_counting_alone(make_app, org):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", RATINGS_RATE_LIMIT="2/minute")
    app.test_client_class = IsolatedClient
    with app.app_context():
        _, token = paired_kiosk(db.session.merge(org.a.counters[0]))
        client = app.test_client()
        codes = [client.post("/api/v1/ratings", json=rating(), headers=bearer(token)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
