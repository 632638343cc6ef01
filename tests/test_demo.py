"""The demo a new user meets: data they would believe, no stale mail, a case they can look up."""

import re
from pathlib import Path

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, CaseEvent, CaseNote, Extension, Notification, Rating, utcnow
from feedback_app.services.calendar import next_office_moment

SHOWCASE = re.compile(r"case number (\S+), look-up code (\S+)")


def _seed(runner, cases: int = 60):
    result = runner.invoke(args=["seed-demo", "--ratings-per-day", "1", "--cases", str(cases)])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_has_no_rating_case_step_or_note_in_the_future(runner):
    _seed(runner)
    now = utcnow()
    assert db.session.scalar(sa.select(sa.func.max(Rating.tapped_at))) <= now
    assert db.session.scalar(sa.select(sa.func.max(Rating.received_at))) <= now
    for column in (CaseEvent.at, CaseNote.created_at, Extension.requested_at, Extension.decided_at,
                   Case.replied_at, Case.closed_at, Case.reply_rated_at, Case.assigned_at):
        latest = db.session.scalar(sa.select(sa.func.max(column)))
        assert latest is None or latest <= now, column


def test_each_demo_case_trail_starts_when_the_case_came_in_and_runs_forward_in_time(runner):
    _seed(runner, cases=120)
    received = dict(db.session.execute(sa.select(Case.id, Case.received_at)).all())
    trails: dict[int, list[CaseEvent]] = {}
    for event in db.session.scalars(sa.select(CaseEvent).order_by(CaseEvent.id)):
        trails.setdefault(event.case_id, []).append(event)
    assert set(trails) == set(received)
    for case_id, trail in trails.items():
        assert trail[0].action == "created" and trail[0].at == received[case_id]
        times = [event.at for event in trail]
        assert all(later > earlier for earlier, later in zip(times, times[1:], strict=False)), (
            case_id, [(e.action, e.at.isoformat()) for e in trail])
    for case in db.session.scalars(sa.select(Case)):
        assert case.created_at == case.received_at
        for moment in (case.assigned_at, case.replied_at, case.closed_at):
            assert moment is None or moment > case.received_at


def test_the_demo_leaves_no_notice_from_its_past_waiting_to_be_mailed(app, runner, smtp_server):
    """Opening and closing the demo's cases months ago would have mailed their petitioners back then: those
    notices are in the ledger as skipped, never sent, and the first delivery mails none of them."""
    _seed(runner, cases=80)
    now = utcnow()
    mails = db.session.execute(
        sa.select(Notification, Case).join(Case, Notification.case_id == Case.id)
        .where(Notification.channel == "email")
    ).all()
    skipped = [n for n, _ in mails if n.status == "skipped"]
    assert len(skipped) > 40
    assert {n.kind for n in skipped} >= {"acknowledgement"}
    assert all(n.sent_at is None and "demo history" in n.last_error for n in skipped)
    for notification, case in mails:
        if notification.status == "queued":
            # Only what a real office would still be holding: its first sending moment is yet to come.
            since = case.closed_at if notification.kind == "petitioner-rating" else case.received_at
            assert next_office_moment(since) > now, (notification.key, since)

    # The first run of the jobs after the demo: the rating links of recently closed cases are already written.
    from jobs.delivery import deliver
    from jobs.notices import petitioner_notices

    assert petitioner_notices(now)["queued"] == 0
    deliver(next_office_moment(now))
    petitioners = [m for m in smtp_server.messages if "@example.tw" in str(m["message"]["To"])]
    queued = sum(1 for n, _ in mails if n.status == "queued")
    assert len(petitioners) == queued <= 3


def test_seed_demo_prints_a_case_that_the_lookup_page_finds_and_prints_it_again_when_run_twice(runner, client):
    first = _seed(runner, cases=20)
    number, code = SHOWCASE.search(first).groups()
    page = client.post("/lookup", data={"number": number, "code": code})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert number in text and "已結案" in text
    # The reply can be rated: the visitor sees the whole path.
    assert 'name="score"' in text

    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Case, Rating, Notification)]
    again = _seed(runner, cases=20)
    assert "already" in again
    assert SHOWCASE.search(again).groups() == (number, code)
    assert [db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Case, Rating, Notification)] == counts


def test_the_readme_says_which_font_to_install_beside_the_first_command():
    """Without a CJK font the staff pages show empty boxes; the README tells a new user before they look."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    first_command = readme.index("```sh")
    after = readme[readme.index("```", first_command + 5):]
    assert "apt-get install fonts-noto-cjk" in after[:600]
    assert "A kiosk machine needs fonts for every language it shows" in readme
