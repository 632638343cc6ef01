"""A 研考 tester records a failed phone test in Chromium, is told what to correct first, and the unit's
supervisor then finds the follow-up and closes it."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import PhoneFollowup, PhoneTest, utcnow
from feedback_app.services.calendar import TAIPEI
from tests.factories import PASSWORD


def _sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit][name=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.browser
def test_a_monitor_records_a_failed_phone_test_and_the_supervisor_closes_its_follow_up(page, live_server, org):
    errors = []
    # The refused form answers 400 on purpose; the console's note of it is not a script error.
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") and "/phone-tests/new" not in r.url else None)
    base = live_server.url
    _sign_in(page, base, "tpe.monitor")
    page.click("a[href='/phone-tests/']")
    page.click("text=登錄電話禮貌測試")
    page.select_option("select[name=unit_id]", label="AA戶政事務所 戶籍登記課")
    called = (utcnow() - timedelta(hours=1)).astimezone(TAIPEI)
    page.fill("input[name=called_at]", called.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=extension]", "215")
    for item in ("three_rings", "attitude", "clear_answer"):
        page.check(f"input[name={item}][value=pass]")
    page.click("input[type=submit][name=submit]")
    # The greeting was not scored: refused, beside the item, and the summary takes the focus.
    summary = page.locator(".error-summary")
    assert "請評定合格或不合格。" in summary.inner_text()
    assert page.locator("#greeting .field-error").inner_text() == "請評定合格或不合格。"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert db.session.scalar(sa.select(sa.func.count(PhoneTest.id))) == 0
    page.check("input[name=greeting][value=fail]")
    page.fill("textarea[name=note]", "接聽者未報課室名稱")
    page.click("input[type=submit][name=submit]")
    page.wait_for_url(f"{base}/phone-tests/*")
    assert "已開立追蹤改善交由課長辦理" in page.locator(".flash").inner_text()
    assert "未通過" in page.locator("main").inner_text()
    db.session.expire_all()
    task = db.session.scalar(sa.select(PhoneFollowup))
    assert task is not None and task.done_at is None
    detail = page.url

    _sign_in(page, base, "aa.supervisor")
    page.goto(detail)
    page.fill("textarea[name=outcome]", "已於課務會議宣導接聽標準用語")
    page.click("text=追蹤改善完成")
    assert "追蹤改善已完成。" in page.locator(".flash").inner_text()
    db.session.expire_all()
    assert db.session.get(PhoneFollowup, task.id).done_at is not None
    assert errors == []
