"""A staff member answers the staff survey from the link in their mail, in Chromium; the link then refuses a
second answer, and the director's dashboard shows the closed round with the small unit hidden."""

import re

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import StaffSurveyResponse, User
from feedback_app.services import staff_survey
from feedback_app.services.calendar import next_office_moment
from jobs.delivery import deliver
from tests.factories import PASSWORD

from .conftest import open_aa_round, token_of

pytestmark = pytest.mark.browser


def test_a_staff_member_answers_from_the_mailed_link(app, page, live_server, smtp_server, staff):
    app.config["PUBLIC_BASE_URL"] = live_server.url
    survey_round, _ = open_aa_round(staff.org)
    deliver(next_office_moment(survey_round.opened_at))
    mail = next(m["message"] for m in smtp_server.messages if m["to"] == ["aa.civil0@example.tw"])
    link = re.search(r"(http://\S+/staff-survey/\S+)", mail.get_content()).group(1)
    assert link.startswith(live_server.url)

    page.set_viewport_size({"width": 900, "height": 1100})
    page.goto(link)
    assert survey_round.title in page.locator("h1").inner_text()
    for legend, answer in (("行政支援", "滿意"), ("單位間協調合作", "非常滿意"), ("工作環境", "普通"),
                           ("整體而言", "滿意")):
        group = page.locator("fieldset", has_text=legend)
        group.get_by_label(answer, exact=True).check()
    page.screenshot(path="/tmp/staffsurvey-answer.png", full_page=True)
    page.get_by_role("button", name="送出填答").click()
    assert "謝謝" in page.locator("h1").inner_text()
    response = db.session.scalar(sa.select(StaffSurveyResponse))
    assert response.scores == {"support": 4, "cooperation": 5, "environment": 3, "overall": 4}
    assert response.unit_id == staff.civil.id

    page.goto(link)
    assert "已使用過" in page.locator("h1").inner_text()

    for username in ("aa.officer", "aa.supervisor", *[f"aa.civil{i}" for i in range(1, 6)]):
        staff_survey.answer(token_of(survey_round.id, username),
                            {"support": 4, "cooperation": 4, "environment": 4, "overall": 4})
    director = db.session.scalar(sa.select(User).where(User.username == "aa.director"))
    staff_survey.close_round(survey_round, director)
    db.session.commit()
    page.goto(link)
    assert "已使用過" in page.locator("h1").inner_text() or "已結束" in page.locator("h1").inner_text()

    page.goto(f"{live_server.url}/login")
    page.get_by_label("帳號").fill("aa.director")
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.goto(f"{live_server.url}/analytics/")
    section = page.locator("#table-staff")
    text = section.inner_text()
    assert "民政課" in text and "戶籍登記課" in text and "—" in text
    section.screenshot(path="/tmp/staffsurvey-dashboard.png")
    funnel = page.locator("img[alt*='同性質機關']")
    assert funnel.count() == 1
