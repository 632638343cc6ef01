"""The staff survey's pages: rounds opened and closed by a director, the one-time answer page, the results."""

import re
from datetime import timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import StaffSurveyResponse, StaffSurveyRound, utcnow
from feedback_app.services import staff_survey
from tests.conftest import login

from .conftest import link_of, open_aa_round, today_taipei, token_of

ANSWERS = {"q_support": "4", "q_cooperation": "5", "q_environment": "3", "q_overall": "4"}


def test_a_director_opens_a_round_from_the_page_and_closes_it(client, staff):
    login(client, "aa.director")
    page = client.get("/staff-surveys/").get_data(as_text=True)
    assert "內部顧客滿意度調查" in page and 'name="starts_on"' in page
    start = today_taipei()
    response = client.post("/staff-surveys/", data={
        "title": "115年第4季", "office": str(staff.org.a.id), "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=10)).isoformat()})
    assert response.status_code == 302
    survey_round = db.session.scalar(sa.select(StaffSurveyRound))
    assert survey_round.office_id == staff.org.a.id and survey_round.opened_by_id is not None
    assert client.post(f"/staff-surveys/{survey_round.id}/close").status_code == 302
    db.session.expire_all()
    assert db.session.get(StaffSurveyRound, survey_round.id).closed_at is not None


def test_a_bad_round_gets_a_clear_error_and_changes_nothing(client, staff):
    login(client, "aa.director")
    start = today_taipei()
    response = client.post("/staff-surveys/", data={
        "title": "", "office": str(staff.org.a.id), "starts_on": start.isoformat(),
        "ends_on": (start - timedelta(days=1)).isoformat()})
    assert response.status_code == 400 and 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffSurveyRound)) == 0


def test_officers_cannot_open_rounds_or_read_them(client, staff):
    login(client, "aa.officer")
    assert client.get("/staff-surveys/").status_code == 403
    assert client.post("/staff-surveys/", data={"title": "x"}).status_code == 403


def test_the_answer_page_takes_one_answer_and_then_refuses_the_link(client, staff):
    survey_round, _ = open_aa_round(staff.org)
    path = "/staff-survey/" + token_of(survey_round.id, "aa.civil0")
    page = client.get(path).get_data(as_text=True)
    assert survey_round.title in page and "不記錄姓名" in page and 'type="radio"' in page
    missing = client.post(path, data={"q_support": "4"})
    assert missing.status_code == 400 and "請選擇一個答案" in missing.get_data(as_text=True)
    done = client.post(path, data=ANSWERS)
    assert done.status_code == 200 and "謝謝" in done.get_data(as_text=True)
    again = client.post(path, data=ANSWERS)
    assert again.status_code == 410 and "已使用過" in again.get_data(as_text=True)
    assert client.get(path).status_code == 410
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffSurveyResponse)) == 1
    assert client.get("/staff-survey/no-such-token").status_code == 404


def test_the_answer_page_needs_its_csrf_token(make_app, staff):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        survey_round, _ = open_aa_round(staff.org)
        path = "/staff-survey/" + token_of(survey_round.id, "aa.civil0")
    client = app.test_client()
    assert client.post(path, data=ANSWERS).status_code == 400
    page = client.get(path).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(path, data=ANSWERS | {"csrf_token": csrf}).status_code == 200


def test_the_link_is_on_the_staff_member_s_landing_page(client, staff):
    survey_round, _ = open_aa_round(staff.org)
    db.session.execute(sa.text("UPDATE notifications SET next_attempt_at = :t"), {"t": utcnow() - timedelta(minutes=1)})
    db.session.commit()
    login(client, "aa.civil3")
    page = client.get("/").get_data(as_text=True)
    assert link_of(survey_round.id, "aa.civil3") in page and "內部顧客滿意度調查" in page
    assert link_of(survey_round.id, "aa.civil4") not in page


def test_results_page_hides_small_groups(client, staff):
    survey_round, _ = open_aa_round(staff.org)
    for username in ("aa.officer", "aa.supervisor", "aa.monitor", *[f"aa.civil{i}" for i in range(5)]):
        staff_survey.answer(token_of(survey_round.id, username),
                            {"support": 4, "cooperation": 4, "environment": 4, "overall": 5})
    db.session.commit()
    login(client, "aa.director")
    assert client.get(f"/staff-surveys/{survey_round.id}").status_code == 403  # not while it is open
    client.post(f"/staff-surveys/{survey_round.id}/close")
    page = client.get(f"/staff-surveys/{survey_round.id}").get_data(as_text=True)
    def row(name):
        start = page.index(name)
        return page[start:page.index("</tr>", start)]

    civil, registry = row("民政課"), row("戶籍登記課")
    assert ">5<" in civil and "100.0%" in civil
    assert "—" in registry and ">3<" not in registry and "100.0%" not in registry
