"""Where rate-limit counters live (Flask-Limiter), and what production is told about that choice.

Limits hold across gunicorn workers and app servers only when their counters live in a shared store:
RATELIMIT_STORAGE_URI=redis://host:6379/0. Without one (the embedded demo, a single worker) each process counts
in its own memory, in ProcessMemoryStorage below."""

import logging
import threading
import time
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, current_app
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)

LOCAL_URI = "process-memory://"
LOCAL_SCHEMES = {"memory", "process-memory"}
REDIS_SCHEMES = {"redis", "rediss", "redis+unix"}


class ProcessMemoryStorage(MemoryStorage):
    """limits' in-memory storage without a timer thread per request.

    MemoryStorage drops expired keys from a 10 ms threading.Timer that it starts again on every increment once
    the previous one has fired: under a kiosk's traffic that is a new thread for nearly every rating. A counter
    past its expiry is already ignored when read, so the timer only frees memory: here that sweep runs inline,
    at most once every SWEEP_SECONDS."""

    STORAGE_SCHEME = ["process-memory"]
    SWEEP_SECONDS = 30.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS
        self._sweep_lock = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the timer MemoryStorage starts per increment
        now = time.monotonic()
        if now < self._next_sweep or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()
        finally:
            self._sweep_lock.release()


def storage_uri(configured: str | None) -> str:
    """The storage to use: the configured one, with the in-process default for unset and memory://."""
    if not configured or urlsplit(configured).scheme == "memory":
        return LOCAL_URI
    return configured


def is_shared(uri: str | None) -> bool:
    """Whether counters in this storage are seen by every worker and server."""
    return urlsplit(storage_uri(uri)).scheme not in LOCAL_SCHEMES


def uses_redis(uri: str | None) -> bool:
    return urlsplit(storage_uri(uri)).scheme in REDIS_SCHEMES


def local_storage_warning() -> str:
    return (
        "Rate limits are counted in each process's memory (RATELIMIT_STORAGE_URI is not a shared store): with N "
        "gunicorn workers or app servers, the ratings API allows N times its limit. Set "
        "RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 (Debian: redis-server) to share the counters."
    )


def refuse_unshared_workers(env_name: str | None, workers: int, uri: str | None) -> None:
    """gunicorn's start-up check: several production workers must share their counters (see gunicorn.conf.py)."""
    if env_name == "production" and workers > 1 and not is_shared(uri):
        raise SystemExit(f"Refusing to start {workers} workers. {local_storage_warning()} Or run one worker.")


def init_app(app: Flask) -> None:
    """Bind the limiter to the configured storage; production without a shared one says so loudly."""
    from .extensions import limiter

    uri = storage_uri(app.config.get("RATELIMIT_STORAGE_URI"))
    app.config["RATELIMIT_STORAGE_URI"] = uri
    if uses_redis(uri):
        # A request must not hang on an unreachable Redis; while it is down each worker counts on its own.
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if app.config.get("ENV_NAME") == "production" and not is_shared(uri):
        log.warning(local_storage_warning())
    limiter.init_app(app)


class ViewLimit:
    """A limit counted by the view itself, for a route where the limiter extension's per-request bookkeeping
    (resolving every kind of limit for the endpoint, before the request) costs more than the count: the ratings API.

    The route is exempt from the extension (`limiter.request_filter(limit.exempt)`); the counts go to the
    extension's own storage, so they hold across workers with Redis. While that storage is unreachable each worker
    counts in its own memory and tries the storage again after RECHECK_SECONDS, as the extension does."""

    RECHECK_SECONDS = 10.0

    def __init__(self, endpoint: str, config_key: str):
        self.endpoint, self.config_key = endpoint, config_key
        self._fallback = FixedWindowRateLimiter(ProcessMemoryStorage(LOCAL_URI))
        self._storage_dead_until = 0.0

    def exempt(self) -> bool:
        from flask import request

        return request.endpoint == self.endpoint

    def hit(self, key: str) -> None:
        """Count one request for `key`; TooManyRequests (with Retry-After) when the limit is reached."""
        from .extensions import limiter

        if not current_app.config.get("RATELIMIT_ENABLED", True):
            return
        item = _limit(current_app.config[self.config_key])
        strategy = self._strategy(limiter)
        try:
            allowed = strategy.hit(item, self.endpoint, key)
        except Exception:  # the shared store went away: this worker counts alone until it answers again
            log.warning("Rate limit storage unreachable - counting in this process for %ss", self.RECHECK_SECONDS)
            self._storage_dead_until = time.monotonic() + self.RECHECK_SECONDS
            strategy = self._fallback
            allowed = strategy.hit(item, self.endpoint, key)
        if not allowed:
            reset_at = strategy.get_window_stats(item, self.endpoint, key).reset_time
            raise TooManyRequests(retry_after=max(1, int(reset_at - time.time())))

    def _strategy(self, limiter) -> FixedWindowRateLimiter:
        if time.monotonic() < self._storage_dead_until:
            return self._fallback
        return limiter.limiter


@lru_cache(maxsize=16)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def retry_after() -> int | None:
    """Seconds until the limit this request broke lets the client in again (for a 429's Retry-After)."""
    from .extensions import limiter

    try:
        current = limiter.current_limit
        return max(1, int(current.reset_at - time.time())) if current is not None else None
    except Exception:  # the store went away meanwhile: the refusal stands without the hint
        return None


def ping(app: Flask) -> bool:
    """Whether the configured rate-limit storage answers (its own client, kept per app, even while the limiter
    itself is switched off)."""
    from limits.storage import storage_from_string

    storage = app.extensions.get("ratelimit_health")
    if storage is None:
        options = app.config.get("RATELIMIT_STORAGE_OPTIONS", {})
        storage = app.extensions["ratelimit_health"] = storage_from_string(app.config["RATELIMIT_STORAGE_URI"],
                                                                           **options)
    try:
        return bool(storage.check())
    except Exception:  # an unreachable store is an answer here, not an error
        return False
