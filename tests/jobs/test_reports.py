"""The quarterly report job and the roll-up refresh job, run as an operator would (`flask jobs run-once`)."""

import io
import json
from datetime import UTC, datetime

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Notification, Rating, ScoreRollup, utcnow
from feedback_app.services.calendar import next_office_moment
from tests.analytics.factories import make_rating

FIRST_WORKING_DAY = "2026-01-02T08:30:00+08:00"  # 1 January is a holiday; Friday 2 January opens 2026 Q1


def _run(runner, *args) -> dict:
    result = runner.invoke(args=["jobs", "run-once", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])["summary"]


def _attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def test_quarterly_report_mails_last_quarter_to_each_director_once_with_ods_and_pdf(app, runner, org, smtp_server):
    """On the first working day of 2026 each office's directors get their office's 114年第4季 report and the
    city-wide director the city's, as .ods and .pdf; running the job and delivery again sends nothing more."""
    make_rating(org.a, datetime(2025, 11, 3, 2, 0, tzinfo=UTC), 5)
    make_rating(org.a, datetime(2025, 11, 4, 2, 0, tzinfo=UTC), 4)
    db.session.commit()

    summary = _run(runner, "quarterly-report", "--now", FIRST_WORKING_DAY)
    assert summary["quarter"] == "2025-Q4" and summary["queued"] == 3
    delivered = _run(runner, "deliver", "--now", FIRST_WORKING_DAY)
    assert delivered["sent"] == 3, db.session.scalars(sa.select(Notification.last_error)).all()

    by_recipient = {m["to"][0]: m["message"] for m in smtp_server.messages}
    assert sorted(by_recipient) == ["aa.director@example.tw", "bb.director@example.tw", "tpe.director@example.tw"]
    for address, office in (("aa.director@example.tw", org.a), ("bb.director@example.tw", org.b)):
        message = by_recipient[address]
        assert "114年第4季" in message["Subject"] and office.name in message["Subject"]
        files = _attachments(message)
        assert sorted(files) == [f"{office.code}-2025-Q4.ods", f"{office.code}-2025-Q4.pdf"]
    city = by_recipient["tpe.director@example.tw"]
    assert org.a.city.name in city["Subject"]
    files = _attachments(city)
    assert set(files) == {f"{org.a.city.code}-2025-Q4.ods", f"{org.a.city.code}-2025-Q4.pdf"}
    pdf = next(data for name, data in files.items() if name.endswith(".pdf"))
    ods = next(data for name, data in files.items() if name.endswith(".ods"))
    assert pdf.startswith(b"%PDF") and ods.startswith(b"PK")
    import zipfile

    with zipfile.ZipFile(
        io.BytesIO(_attachments(by_recipient["aa.director@example.tw"])[f"{org.a.code}-2025-Q4.ods"])
    ) as z:
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"

    assert _run(runner, "quarterly-report", "--now", FIRST_WORKING_DAY)["queued"] == 0
    assert _run(runner, "deliver", "--now", "2026-01-02T10:00:00+08:00")["sent"] == 0
    assert len(smtp_server.messages) == 3


def test_quarterly_report_sends_nothing_on_a_non_working_day_or_mid_quarter(app, runner, org, smtp_server):
    """New Year's Day (a holiday), a Saturday and an ordinary working day in February queue no report."""
    for moment in ("2026-01-01T08:30:00+08:00", "2026-01-03T08:30:00+08:00", "2026-02-11T08:30:00+08:00"):
        assert _run(runner, "quarterly-report", "--now", moment)["queued"] == 0
    assert _run(runner, "deliver", "--now", "2026-02-11T09:00:00+08:00")["sent"] == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    assert smtp_server.messages == []


def test_quarterly_report_missed_on_the_first_day_is_caught_up_once_in_the_following_days(app, runner, org):
    """A jobs process down on 2 January queues the report when it runs on Monday 5 January, and once only."""
    assert _run(runner, "quarterly-report", "--now", "2026-01-05T08:30:00+08:00")["queued"] == 3
    assert _run(runner, "quarterly-report", "--now", "2026-01-06T08:30:00+08:00")["queued"] == 0


def test_quarterly_report_that_cannot_be_built_waits_without_blocking_other_mail(app, runner, org, smtp_server):
    """A report row whose office is gone is retried later, while the rest of the batch is delivered."""
    from feedback_app.services import notify

    notify.queue(
        key="report:office:999999:2025q4:user:1:email",
        channel="email",
        kind="quarterly-report",
        subject="s",
        body="b",
        recipient="x@example.tw",
    )
    notify.queue(key="other", channel="email", kind="reminder", subject="s", body="b", recipient="y@example.tw")
    db.session.commit()
    summary = _run(runner, "deliver", "--now", next_office_moment(utcnow()).isoformat())
    assert (summary["sent"], summary["failed"]) == (1, 1)
    db.session.expire_all()
    row = db.session.scalar(sa.select(Notification).where(Notification.kind == "quarterly-report"))
    assert row.status == "queued" and row.attempts == 1 and "999999" in row.last_error


def test_rollups_job_folds_new_ratings_once(app, runner, org):
    """`jobs run-once rollups` folds the ratings not yet in the roll-ups; a second run folds none."""
    make_rating(org.a, datetime(2026, 3, 2, 2, 0, tzinfo=UTC), 5)
    make_rating(org.b, datetime(2026, 3, 2, 3, 0, tzinfo=UTC), 2)
    db.session.commit()
    assert _run(runner, "rollups")["folded"] == 2
    assert _run(runner, "rollups")["folded"] == 0
    assert db.session.scalar(sa.select(sa.func.sum(ScoreRollup.n5 + ScoreRollup.n2))) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating)) == 2


def test_scheduler_runs_rollups_at_their_own_interval(app):
    """The jobs process schedules the roll-up refresh every JOBS_ROLLUPS_SECONDS, beside delivery."""
    from jobs.scheduler import SchedulerProcess

    app.config.update(JOBS_ROLLUPS_SECONDS=300, JOBS_DELIVER_SECONDS=60)
    scheduler = SchedulerProcess(app, holder="test")._build()
    assert scheduler.get_job("rollups").trigger.interval.total_seconds() == 300
    assert scheduler.get_job("deliver").trigger.interval.total_seconds() == 60
    assert scheduler.get_job("quarterly-report") is not None
