"""A staff survey round: opened with one-time links, answered anonymously, reminded once, closed, and its results
shown by office and unit with groups of fewer than five answers suppressed."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import (
    Notification,
    StaffSurveyInvitation,
    StaffSurveyResponse,
    StaffSurveyRound,
    User,
    utcnow,
)
from feedback_app.services import analytics, reports, staff_survey
from feedback_app.services.errors import AccessDenied, NotFound, ValidationFailed
from feedback_app.services.stats import Period
from jobs import staff_survey as staff_survey_job

from .conftest import at_taipei, open_aa_round, today_taipei, token_of

REG = ("aa.officer", "aa.supervisor", "aa.monitor")  # three of 戶籍登記課's five
CIVIL = tuple(f"aa.civil{i}" for i in range(6))


def _answer_all(survey_round, usernames, score=4):
    for username in usernames:
        staff_survey.answer(token_of(survey_round.id, username),
                            {"support": score, "cooperation": score, "environment": 3, "overall": score})
    db.session.commit()


def _close(survey_round):
    staff_survey.close_round(survey_round, db.session.scalar(sa.select(User).where(User.username == "aa.director")))
    db.session.commit()


def test_opening_a_round_queues_one_link_per_active_staff_member_of_the_office(staff):
    survey_round, invited = open_aa_round(staff.org)
    assert invited == 5 + 6
    keys = db.session.scalars(sa.select(Notification.key).where(Notification.kind == staff_survey.KIND)).all()
    assert len(keys) == len(set(keys)) == 11
    mail = db.session.scalar(sa.select(Notification).where(Notification.recipient == "aa.civil0@example.tw"))
    assert mail.channel == "email" and "/staff-survey/" in mail.link and mail.link in mail.body
    # Only the hash of each token is kept.
    assert token_of(survey_round.id, "aa.civil0") not in {i.token_hash for i in db.session.scalars(
        sa.select(StaffSurveyInvitation))}


def test_round_answered_by_three_and_six_is_shown_with_the_small_unit_suppressed(staff):
    survey_round, _ = open_aa_round(staff.org)
    _answer_all(survey_round, REG, score=5)
    _answer_all(survey_round, CIVIL, score=4)
    _close(survey_round)
    results = staff_survey.round_results(survey_round)
    rows = {(r.level, r.unit): r for r in results.rows}
    assert rows[("unit", "戶籍登記課")].suppressed  # 3 < 5
    assert not rows[("unit", "民政課")].suppressed and rows[("unit", "民政課")].sat.n == 6
    assert rows[("unit", "民政課")].sat.rate == 1.0
    # The office's 9 less the unit's 6 would give the three away: the total is hidden too.
    assert [r.suppressed for r in results.rows if r.level == "office"] == [True]
    assert (results.invited, results.answered) == (11, 9)

    board = analytics.dashboard(analytics.scope_of(staff.org.a), Period.containing(utcnow()))
    table = next(t for t in reports.tables(board) if t.key == "staff")
    shown = {(row[1].text): [c.text for c in row[2:6]] for row in table.rows}
    assert shown["戶籍登記課"] == ["—", "—", "—", "—"]
    assert shown["民政課"][:2] == ["6", "100.0%"]
    assert "5" in table.note and survey_round.title in table.note


def test_results_are_hidden_in_the_quarterly_report_files_too(staff):
    survey_round, _ = open_aa_round(staff.org)
    _answer_all(survey_round, REG, score=1)
    _answer_all(survey_round, CIVIL, score=4)
    _close(survey_round)
    period = Period.containing(utcnow())
    report = reports.build_quarterly_report(staff.org.a, period.year, period.index)
    from feedback_app.services.report_pdf import report_html

    html = report_html(report.title, report.board, report.tables)
    staff_part = html[html.index("內部顧客滿意度"):]
    assert "民政課" in staff_part and "戶籍登記課" in staff_part
    assert "0.0%" not in staff_part.split("民政課")[0]  # the three answers of 1 show nowhere
    import io
    import zipfile

    content = zipfile.ZipFile(io.BytesIO(report.ods())).read("content.xml").decode()
    sheet = content[content.index("民政課") - 2000:content.index("民政課") + 2000]
    assert "戶籍登記課" in sheet and "—" in sheet


def test_a_link_works_once(staff):
    survey_round, _ = open_aa_round(staff.org)
    token = token_of(survey_round.id, "aa.civil0")
    staff_survey.answer(token, {"support": 4, "cooperation": 4, "environment": 4, "overall": 4})
    db.session.commit()
    with pytest.raises(staff_survey.LinkUsed):
        staff_survey.answer(token, {"support": 1, "cooperation": 1, "environment": 1, "overall": 1})
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffSurveyResponse)) == 1


def test_answers_keep_no_reference_to_the_person(staff):
    columns = set(StaffSurveyResponse.__table__.columns.keys())
    assert columns == {"id", "round_id", "office_id", "unit_id", "score", "scores"}
    assert {fk.column.table.name for fk in StaffSurveyResponse.__table__.foreign_keys} == {
        "staff_survey_rounds", "offices", "units"}
    # The invitation says that it was used, not when: no time to match against an answer.
    assert set(StaffSurveyInvitation.__table__.columns.keys()) == {"id", "round_id", "user_id", "token_hash", "used"}
    survey_round, _ = open_aa_round(staff.org)
    _answer_all(survey_round, ("aa.civil2",))
    response = db.session.scalar(sa.select(StaffSurveyResponse))
    assert response.unit_id == staff.civil.id and len(response.id) == 32  # a random id, not a sequence


def test_a_bad_answer_changes_nothing(staff):
    survey_round, _ = open_aa_round(staff.org)
    token = token_of(survey_round.id, "aa.civil0")
    with pytest.raises(ValidationFailed) as refused:
        staff_survey.answer(token, {"support": 9, "cooperation": 4, "environment": 4})
    assert set(refused.value.details) == {"support", "overall"}
    db.session.rollback()
    assert not db.session.scalar(sa.select(StaffSurveyInvitation.used).where(
        StaffSurveyInvitation.user_id == staff.civil_staff[0].id))


def test_reminder_goes_once_to_those_who_have_not_answered_even_if_the_job_runs_twice(staff):
    survey_round, _ = open_aa_round(staff.org)
    _answer_all(survey_round, CIVIL[:4])
    moment = at_taipei(survey_round.remind_on)
    first = staff_survey_job.staff_survey_rounds(moment)
    second = staff_survey_job.staff_survey_rounds(moment + timedelta(hours=1))
    assert first == {"closed": 0, "reminded": 11 - 4} and second == {"closed": 0, "reminded": 0}
    reminded = db.session.scalars(sa.select(Notification.user_id).where(
        Notification.kind == staff_survey.REMINDER_KIND)).all()
    assert sorted(reminded) == sorted(u.id for u in db.session.scalars(sa.select(User).where(
        User.office_id == staff.org.a.id, User.username.not_in(CIVIL[:4]))))
    row = db.session.scalar(sa.select(Notification).where(Notification.kind == staff_survey.REMINDER_KIND).limit(1))
    assert row.link and row.link in row.body and row.next_attempt_at == moment


def test_a_reminder_asked_for_outside_office_hours_waits_for_them(staff):
    survey_round, _ = open_aa_round(staff.org)
    night = at_taipei(survey_round.remind_on, hour=22)
    staff_survey.remind(night)
    row = db.session.scalar(sa.select(Notification).where(Notification.kind == staff_survey.REMINDER_KIND).limit(1))
    assert row.next_attempt_at > night


def test_closing_by_hand_or_at_the_end_date_makes_the_links_stop_working(staff):
    first, _ = open_aa_round(staff.org)
    _close(first)
    with pytest.raises(staff_survey.LinkClosed):
        staff_survey.invitation_for(token_of(first.id, "aa.civil0"))
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Notification.kind == staff_survey.KIND, Notification.status == "queued")) == 0
    second, _ = open_aa_round(staff.org, title="第二輪", days=2)
    after_end = at_taipei(second.ends_on + timedelta(days=1), hour=0)
    assert staff_survey_job.staff_survey_rounds(after_end)["closed"] == 1
    assert db.session.get(StaffSurveyRound, second.id).closed_at is not None
    with pytest.raises(staff_survey.LinkClosed):
        staff_survey.invitation_for(token_of(second.id, "aa.civil0"))
    with pytest.raises(NotFound):
        staff_survey.invitation_for("not-a-token")


def test_only_directors_and_admins_open_rounds_and_only_for_their_offices(staff):
    officer = db.session.scalar(sa.select(User).where(User.username == "aa.officer"))
    director_b = db.session.scalar(sa.select(User).where(User.username == "bb.director"))
    values = {"office_id": staff.org.a.id, "title": "x", "starts_on": today_taipei(),
              "ends_on": today_taipei() + timedelta(days=3)}
    with pytest.raises(AccessDenied):
        staff_survey.open_round(officer, values)
    with pytest.raises(AccessDenied):
        staff_survey.open_round(director_b, values)
    with pytest.raises(AccessDenied):  # the whole city is for city-wide staff
        staff_survey.open_round(director_b, values | {"office_id": None})
    city_admin = db.session.scalar(sa.select(User).where(User.username == "tpe.admin"))
    with pytest.raises(ValidationFailed) as refused:
        staff_survey.open_round(city_admin, values | {"ends_on": today_taipei() - timedelta(days=1)})
    assert "ends_on" in refused.value.details


def test_the_previous_round_gives_the_change(staff):
    old, _ = open_aa_round(staff.org, title="上一輪")
    _answer_all(old, CIVIL, score=2)
    _close(old)
    old.starts_on -= timedelta(days=100)
    old.ends_on -= timedelta(days=90)
    db.session.commit()
    new, _ = open_aa_round(staff.org, title="這一輪")
    _answer_all(new, CIVIL, score=5)
    _close(new)
    results = staff_survey.round_results(new)
    civil = next(r for r in results.rows if r.unit == "民政課")
    assert results.previous.id == old.id and civil.change.points == pytest.approx(100.0)


def test_the_city_total_is_hidden_when_it_would_give_away_small_units_of_two_offices(staff):
    """AA: 戶籍登記課 3 (hidden), 民政課 6; BB: 戶籍登記課 5, 民政課 1 (hidden). Both office totals are hidden; the
    city's 15 less the shown units' 11 would give away the 3 + 1, so it is hidden too."""
    from feedback_app.models import Role, Unit
    from tests import factories

    civil_b = Unit(office_id=staff.org.b.id, code="CIV", name="民政課")
    db.session.add(civil_b)
    db.session.flush()
    lone = factories.make_user("bb.civil0", Role.OFFICER, staff.org.tpe, staff.org.b)
    lone.unit_id = civil_b.id
    db.session.commit()
    admin = db.session.scalar(sa.select(User).where(User.username == "tpe.admin"))
    survey_round, invited = staff_survey.open_round(admin, {
        "office_id": None, "title": "全市", "starts_on": today_taipei(), "ends_on": today_taipei() + timedelta(days=5)})
    db.session.commit()
    assert invited == 11 + 6  # the offices' staff; city-wide accounts are not asked
    _answer_all(survey_round, REG + CIVIL)
    _answer_all(survey_round, ("bb.officer", "bb.supervisor", "bb.monitor", "bb.director", "bb.admin", "bb.civil0"))
    staff_survey.close_round(survey_round, admin)
    rows = staff_survey.round_results(survey_round).rows
    assert [r.suppressed for r in rows if r.level != "unit"] == [True, True, True]
    shown = sorted((r.office[:2], r.unit, r.sat.n) for r in rows if not r.suppressed)
    assert shown == [("AA", "民政課", 6), ("BB", "戶籍登記課", 5)]
