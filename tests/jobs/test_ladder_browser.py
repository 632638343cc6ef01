"""In a real browser: the admin's ladder page refuses a director's rung no later than the monitors'."""

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import ChaseSettings
from tests.factories import PASSWORD


@pytest.mark.browser
def test_the_admin_sees_why_a_ladder_out_of_order_is_refused(org, live_server, page):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("帳號").fill("aa.admin")
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/admin/reminders")
    form = page.locator("section.ladder form").first
    form.get_by_label("逾期幾個工作日起通知研考人員", exact=True).fill("4")
    form.get_by_label("逾期幾個工作日起通知機關首長（須晚於研考）").fill("4")
    form.get_by_role("button", name="儲存").click()
    page.wait_for_load_state()
    assert page.get_by_text("通知機關首長的時點須晚於研考（逾期工作日數較多）。").is_visible()
    page.screenshot(path="/tmp/chase13-ladder-refused.png", full_page=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(ChaseSettings).where(ChaseSettings.office_id == org.a.id)) is None
    form = page.locator("section.ladder form").first
    form.get_by_label("逾期幾個工作日起通知機關首長（須晚於研考）").fill("7")
    form.get_by_role("button", name="儲存").click()
    page.wait_for_load_state()
    page.screenshot(path="/tmp/chase13-ladder-saved.png", full_page=True)
    db.session.expire_all()
    saved = db.session.scalar(sa.select(ChaseSettings).where(ChaseSettings.office_id == org.a.id))
    assert (saved.escalate_after_days, saved.director_after_days) == (4, 7)
