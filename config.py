"""Configuration read from the environment; one class per kind of deployment."""

import os
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _sqlite_default() -> str:
    instance = BASE_DIR / "instance"
    instance.mkdir(exist_ok=True)
    return f"sqlite:///{instance / 'counter_feedback.db'}"


def _database_url(url: str | None) -> str | None:
    """Normalise URLs so PostgreSQL always goes through psycopg 3."""
    if not url:
        return url
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("DATABASE_URL")) or _sqlite_default()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "counter-feedback@localhost")

    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Taipei")
    BABEL_DEFAULT_LOCALE = os.environ.get("BABEL_DEFAULT_LOCALE", "zh_TW")
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = ["zh_TW", "en", "vi", "id", "th"]
    # Base of absolute links (mail, posters, pairing); required in production. See feedback_app/links.py.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or None

    # Scheduled jobs (jobs/): reminders go out at JOBS_SEND_TIME on working days, Asia/Taipei.
    JOBS_SEND_TIME = os.environ.get("JOBS_SEND_TIME", "08:30")
    JOBS_OFFICE_CLOSE = os.environ.get("JOBS_OFFICE_CLOSE", "17:30")
    # Mail is sent only in office hours on working days, judged when it is sent; "0" sends at any hour (a test bed).
    JOBS_MAIL_IN_OFFICE_HOURS = os.environ.get("JOBS_MAIL_IN_OFFICE_HOURS", "1") != "0"
    JOBS_LEASE_SECONDS = int(os.environ.get("JOBS_LEASE_SECONDS", "60"))
    JOBS_SEND_LEASE_SECONDS = int(os.environ.get("JOBS_SEND_LEASE_SECONDS", "300"))
    JOBS_DELIVER_SECONDS = int(os.environ.get("JOBS_DELIVER_SECONDS", "60"))
    JOBS_ROLLUPS_SECONDS = int(os.environ.get("JOBS_ROLLUPS_SECONDS", "300"))
    JOBS_REPORT_GRACE_DAYS = int(os.environ.get("JOBS_REPORT_GRACE_DAYS", "5"))
    JOBS_RETRY_BASE_SECONDS = int(os.environ.get("JOBS_RETRY_BASE_SECONDS", "60"))
    JOBS_RETRY_MAX_SECONDS = int(os.environ.get("JOBS_RETRY_MAX_SECONDS", "3600"))
    JOBS_REFUSED_ATTEMPTS = int(os.environ.get("JOBS_REFUSED_ATTEMPTS", "3"))
    JOBS_NOTICE_WINDOW_DAYS = int(os.environ.get("JOBS_NOTICE_WINDOW_DAYS", "14"))
    RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "5"))
    PETITIONER_RATING_PATH = os.environ.get("PETITIONER_RATING_PATH", "/lookup?number={number}")
    # A case past its due date with no reply: the petitioner is told to expect one this many working days later
    # (unless a pending extension request names the date).
    CASE_OVERDUE_EXPECTED_WORKING_DAYS = int(os.environ.get("CASE_OVERDUE_EXPECTED_WORKING_DAYS", "5"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    WTF_CSRF_TIME_LIMIT = None

    PASSWORD_HASH_METHOD = "scrypt"
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))

    # Rate-limit counters: unset (or memory://) keeps them in each process; several workers or servers share
    # them only through redis://host:6379/0 (see feedback_app/ratelimit.py).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    # X-RateLimit-* on every response cost two more round trips to Redis per rating; a refusal (429) still says
    # when to try again (Retry-After, errors.py).
    RATELIMIT_HEADERS_ENABLED = False
    # Behind a reverse proxy: how many proxies in front of the app append to X-Forwarded-For (and -Proto) and are
    # trusted to; 0 (the default) ignores those headers, which a client could otherwise forge.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", "0"))

    # Ratings: taps this close together on one kiosk are noise; tap times this far ahead (or this far before
    # the kiosk was paired), after correcting the device's clock, are stored flagged for review.
    RATING_NOISE_SECONDS = int(os.environ.get("RATING_NOISE_SECONDS", "5"))
    RATING_CLOCK_SKEW_SECONDS = int(os.environ.get("RATING_CLOCK_SKEW_SECONDS", "120"))
    # A device clock this close to the server's is left alone: its taps keep the very times it gave them.
    RATING_CLOCK_TOLERANCE_SECONDS = int(os.environ.get("RATING_CLOCK_TOLERANCE_SECONDS", "5"))
    RATING_MAX_BATCH = int(os.environ.get("RATING_MAX_BATCH", "500"))
    RATINGS_RATE_LIMIT = os.environ.get("RATINGS_RATE_LIMIT", "120/minute")
    # How long a server process keeps a questionnaire's published versions before looking again.
    RATING_QUESTIONNAIRE_CACHE_SECONDS = int(os.environ.get("RATING_QUESTIONNAIRE_CACHE_SECONDS", "60"))
    # A dashboard asked for again within this many seconds shows the figures counted the first time (the page
    # says when); 0 counts on every view.
    DASHBOARD_REUSE_SECONDS = int(os.environ.get("DASHBOARD_REUSE_SECONDS", "60"))
    # Real-time alert: unhappy share (score <= 2) reaching this within the window, with this many ratings.
    ALERT_WINDOW_MINUTES = int(os.environ.get("ALERT_WINDOW_MINUTES", "15"))
    ALERT_MIN_RATINGS = int(os.environ.get("ALERT_MIN_RATINGS", "4"))
    ALERT_UNHAPPY_SHARE = float(os.environ.get("ALERT_UNHAPPY_SHARE", "0.5"))
    KIOSK_THANKS_SECONDS = float(os.environ.get("KIOSK_THANKS_SECONDS", "4"))
    # How often an idle kiosk asks whether a new questionnaire version was published.
    KIOSK_CONFIG_POLL_SECONDS = float(os.environ.get("KIOSK_CONFIG_POLL_SECONDS", "30"))
    # The reason screen closes after this long untouched, warning with a countdown for the last part of it.
    KIOSK_REASON_SECONDS = float(os.environ.get("KIOSK_REASON_SECONDS", "60"))
    KIOSK_REASON_WARNING_SECONDS = float(os.environ.get("KIOSK_REASON_WARNING_SECONDS", "20"))
    # The optional sex and age step (where an office turns it on) closes by itself after this, the rating kept.
    KIOSK_SEX_AGE_SECONDS = float(os.environ.get("KIOSK_SEX_AGE_SECONDS", "15"))
    KIOSK_PAIRING_MINUTES = int(os.environ.get("KIOSK_PAIRING_MINUTES", str(24 * 60)))
    QR_ONETIME_DAYS = int(os.environ.get("QR_ONETIME_DAYS", "3"))

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(12 * 1024 * 1024)))

    API_TITLE = "counter-feedback API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    DASHBOARD_REUSE_SECONDS = 0  # a test that adds a rating sees it on the next view
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 0
    LOGIN_LOCKOUT_SECONDS = 60
    # Strong hashing makes every test that creates users slow; tests only need it to be a hash.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    """The config class named by APP_ENV (development when unset)."""
    name = name or os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
