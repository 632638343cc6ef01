"""Operators' commands: demo data, users, calendar import and due dates."""

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Case, CaseState, City, Rating, Role, User

from .conftest import CALENDAR_DIR


def test_seed_demo_fills_every_role_state_and_a_year_of_ratings(runner):
    result = runner.invoke(args=["seed-demo", "--ratings-per-day", "3", "--cases", "160"])
    assert result.exit_code == 0, result.output
    assert "demo-password" in result.output
    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == {r.value for r in Role}
    states = set(db.session.scalars(sa.select(Case.state)))
    assert states == set(CaseState.ALL)
    first, last = db.session.execute(sa.select(sa.func.min(Rating.tapped_at), sa.func.max(Rating.tapped_at))).one()
    assert (last - first).days >= 330
    assert db.session.scalar(sa.select(sa.func.count()).select_from(City)) == 1


def test_seed_demo_twice_adds_nothing(runner):
    runner.invoke(args=["seed-demo", "--ratings-per-day", "1", "--cases", "20"])
    # Even a small demo shows the rare ends of a case.
    assert {CaseState.MERGED, CaseState.TRANSFERRED} <= set(db.session.scalars(sa.select(Case.state)))
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Case, Rating, User)]
    result = runner.invoke(args=["seed-demo", "--ratings-per-day", "1", "--cases", "20"])
    assert result.exit_code == 0
    assert "already" in result.output
    assert [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Case, Rating, User)] == counts


def test_users_create_adds_a_user_who_can_sign_in(runner, org, client):
    result = runner.invoke(args=["users", "create", "--username", "new.officer", "--name", "新承辦",
                                 "--role", "officer", "--city", "TPE", "--office", "AA", "--unit", "REG",
                                 "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    response = client.post("/login", data={"username": "new.officer", "password": "a-long-password"})
    assert response.status_code == 302


def test_users_create_refuses_bad_input_and_adds_nothing(runner, org):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    result = runner.invoke(args=["users", "create", "--username", "x", "--name", "x", "--role", "officer",
                                 "--city", "TPE", "--password", "short"])
    assert result.exit_code != 0
    assert "password" in result.output and "unit" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_calendar_import_and_due_date(runner):
    result = runner.invoke(args=["calendar", "import", str(CALENDAR_DIR / "2025.csv")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["calendar", "due-date", "--received", "2025-01-22T10:00", "--days", "6"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2025-02-06T23:59:59+08:00"
    assert any("2025-01-28" in line for line in lines)


def test_calendar_due_date_by_channel_rule(runner, org):
    runner.invoke(args=["calendar", "import", str(CALENDAR_DIR / "2025.csv")])
    result = runner.invoke(args=["calendar", "due-date", "--received", "2025-01-22T10:00", "--channel", "1999",
                                 "--city", "TPE"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2025-02-06T23:59:59+08:00"
    assert "channel=1999" in result.output
    unknown = runner.invoke(args=["calendar", "due-date", "--received", "2025-01-22T10:00", "--channel", "fax"])
    assert unknown.exit_code == 2 and "fax" in unknown.output


def test_calendar_import_of_a_broken_file_fails_cleanly(runner, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("西元日期,星期,是否放假,備註\n2025XX01,三,2,\n".encode())
    result = runner.invoke(args=["calendar", "import", str(bad)])
    assert result.exit_code != 0
    assert "line 2" in result.output
