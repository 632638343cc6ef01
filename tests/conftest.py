"""Fixtures: a fresh database per run (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set),
an app and client per test with empty tables, a real SMTP server, and a live server for the browser."""

import contextvars
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from feedback_app import create_app
from feedback_app.extensions import db

from . import factories

# The project's shared data (the official calendars as published) sits beside the repository.
SHARED_DATA = Path(os.environ.get("SHARED_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
CALENDAR_DIR = SHARED_DATA / "office-calendar"
if not CALENDAR_DIR.is_dir():
    raise RuntimeError(f"The official calendar files are missing: {CALENDAR_DIR} (set SHARED_DATA_DIR)")


def _postgres_database(base_url: str) -> Iterator[str]:
    """Create a database of our own for this run and drop it afterwards."""
    url = make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"cf_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ), {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """An empty database built by the migrations, as a deployment would build it."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        gen = _postgres_database(base)
        url = next(gen)
    else:
        gen = None
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    yield url
    if gen is not None:
        next(gen, None)


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def make_app(database_url, tmp_path):
    """Build an app on the test database with extra config; tables are emptied after the test."""
    apps = []

    def build(**overrides):
        config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": None}
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    ours = [a for a in apps if a.config["SQLALCHEMY_DATABASE_URI"] == database_url]
    if ours:
        with ours[0].app_context():
            _empty_tables()
            db.session.remove()
            db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as a server would: its own `g`, session and user."""

    def open(self, *args, **kwargs):
        # Streamed bodies are read inside the request's own context, as the server would read them.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(make_app):
    app = make_app()
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def org(app):
    """Two offices of one city and one office of another, each with units, counters and every role."""
    return factories.build_org()


def login(client, username: str, password: str = factories.PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPRecorder:
    """A real SMTP server (aiosmtpd) on a free port that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message})
        return "250 Message accepted for delivery"

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp_server(app) -> Iterator[SMTPRecorder]:
    server = SMTPRecorder()
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False)
    try:
        yield server
    finally:
        server.stop()


REDIS_SERVER = os.environ.get("REDIS_SERVER_PATH", "/usr/bin/redis-server")


class RedisServer:
    """Debian's redis-server on a free loopback port, in memory only, for the tests that share rate limits."""

    def __init__(self, binary: str, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_until_up(self, timeout: float = 10) -> None:
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
            finally:
                client.close()

    def flush(self) -> None:
        import redis

        with redis.Redis.from_url(self.url) as client:
            client.flushall()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    """A real Redis for the session (skipped only when the redis-server binary is missing); emptied per test."""
    binary = REDIS_SERVER if Path(REDIS_SERVER).exists() else shutil.which("redis-server")
    if binary is None:
        pytest.skip(f"redis-server not found at {REDIS_SERVER}: apt-get install redis-server")
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    redis_server.flush()
    return redis_server.url


class LiveServer:
    """The app on a real port. While `unreachable` is set it answers every request 503 and closes the connection,
    as a counter's network does when the office's line is down: browser-side offline emulation does not cover
    every request a page controlled by a service worker makes."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.app = app
        self.unreachable = False
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, self._serve, threaded=True)
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def _serve(self, environ, start_response):
        if self.unreachable:
            start_response("503 Service Unavailable", [("Connection", "close"), ("Content-Length", "0")])
            return [b""]
        return self.app(environ, start_response)

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-TW", timezone_id="Asia/Taipei")
    page = context.new_page()
    yield page
    context.close()
