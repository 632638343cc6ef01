"""Fixtures for the jobs: a week of cases in office AA and a helper that runs `flask jobs` in a subprocess."""

import asyncio
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from feedback_app.extensions import db
from tests.conftest import SMTPRecorder

from .factories import make_case, make_extension

ROOT = Path(__file__).resolve().parents[2]

# Wednesday 25 November 2026 in Taipei: Mon 23, Tue 24, Wed 25, Thu 26, Fri 27 and Mon 30 are working days.
TODAY = date(2026, 11, 25)
NOW = "2026-11-25T08:30:00+08:00"


@pytest.fixture
def week(org):
    """Cases of office AA at every rung of the ladder on TODAY, and some that must not be chased."""
    a = org.a
    officer = org.users[("AA", "officer")]
    cases = SimpleNamespace(
        soon=make_case(a, due=date(2026, 11, 27), received=date(2026, 11, 19), assignee=officer),
        far=make_case(a, due=date(2026, 11, 30), received=date(2026, 11, 20), assignee=officer),
        due=make_case(a, due=TODAY, received=date(2026, 11, 17), assignee=officer),
        late1=make_case(a, due=date(2026, 11, 24), received=date(2026, 11, 16), assignee=officer),
        late3=make_case(a, due=date(2026, 11, 20), received=date(2026, 11, 12), assignee=officer),
        unassigned=make_case(a, due=date(2026, 12, 3), received=date(2026, 11, 23)),
        closed=make_case(
            a, due=date(2026, 11, 20), received=date(2026, 11, 12), assignee=officer, state="closed"
        ),
    )
    cases.extension = make_extension(
        cases.far, officer, requested=date(2026, 11, 24), new_due=date(2026, 12, 8)
    )
    db.session.commit()
    return cases


class SlowSMTP(SMTPRecorder):
    """An SMTP server that takes `delay` seconds to accept each message."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp_server(app):
    server = SlowSMTP(0.4)
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    try:
        yield server
    finally:
        server.stop()


# `flask` as if on another machine: socket.gethostname() answers the name given before flask's own arguments.
AS_HOST = (
    "import socket, sys; host = sys.argv.pop(1); socket.gethostname = lambda: host; "
    "from flask.cli import main; main()"
)


class JobsProcess(subprocess.Popen):
    """A `flask jobs` process whose output goes to files, so a chatty process never blocks on a full pipe."""

    def output(self) -> tuple[str, str]:
        return self.out_path.read_text(), self.err_path.read_text()


@pytest.fixture
def jobs_process(app, database_url, tmp_path):
    """Starts `flask --app wsgi jobs ...` as a real process on the test database and the app's SMTP server."""
    started = []

    def start(*args: str, host: str | None = None, **env: str) -> JobsProcess:
        """`flask jobs ARGS`; with `host`, the process believes it runs on a machine of that name."""
        environment = dict(
            os.environ,
            APP_ENV="development",
            DATABASE_URL=database_url,
            MAIL_SERVER=str(app.config["MAIL_SERVER"]),
            MAIL_PORT=str(app.config["MAIL_PORT"]),
            PUBLIC_BASE_URL=app.config["PUBLIC_BASE_URL"] or "",
            **env,
        )
        environment.pop("TEST_DATABASE_URL", None)
        out_path, err_path = tmp_path / f"jobs-{len(started)}.out", tmp_path / f"jobs-{len(started)}.err"
        with out_path.open("w") as out, err_path.open("w") as err:
            command = [sys.executable, "-m", "flask"] if host is None else [sys.executable, "-c", AS_HOST, host]
            process = JobsProcess(
                [*command, "--app", "wsgi", "jobs", *args],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=err,
            )
        process.out_path, process.err_path = out_path, err_path
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
