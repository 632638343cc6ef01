"""A case taken through assignment, extension, reply and closure in Chromium, and read back by a monitor."""

import pytest

from feedback_app.extensions import db
from feedback_app.models import ReplyTemplate
from tests.factories import PASSWORD

from .factories import make_case
from .test_services import _later_working_day


def _sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit][name=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.browser
def test_supervisor_officer_and_monitor_handle_a_case_in_the_browser(page, live_server, org, users):
    case, _ = make_case(org.a, petitioner_name="王小明", petitioner_email="citizen@example.tw")
    template = ReplyTemplate(city_id=org.tpe.id, title="會勘改善", body="本所已會勘並改善，謝謝您的意見。")
    db.session.add(template)
    db.session.commit()
    new_date = _later_working_day(case, 4)
    errors = []
    # Script errors and CSP violations show in the console; failed page loads as responses.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    base, detail = live_server.url, f"{live_server.url}/cases/{case.number}"
    officer = users["officer"]

    _sign_in(page, base, "aa.supervisor")
    page.goto(detail)
    page.select_option("select[name=assign-unit_id]", str(officer.unit_id))
    page.select_option("select[name=assign-assignee_id]", str(officer.id))
    page.click("input[name=assign-submit]")
    assert page.inner_text("#case-state") == "已分案"
    assert page.inner_text("#case-assignee") == officer.display_name

    _sign_in(page, base, "aa.officer")
    page.goto(detail)
    page.fill("input[name=extension-new_date]", new_date.isoformat())
    page.fill("textarea[name=extension-reason]", "需會同里長現場會勘")
    page.click("input[name=extension-submit]")
    assert "已申請展期" in page.inner_text("main")

    _sign_in(page, base, "aa.supervisor")
    page.goto(f"{base}/cases/extensions")
    assert "需會同里長現場會勘" in page.inner_text("main")
    page.click("button[name=decide-decision][value=approve]")
    assert "展期已核准" in page.inner_text("main")
    assert page.inner_text("#case-due").startswith(new_date.isoformat())

    _sign_in(page, base, "aa.officer")
    page.goto(detail)
    page.click("input[name=start-submit]")
    page.select_option("select[name=reply-template]", str(template.id))
    assert page.input_value("textarea[name=reply-reply]") == "本所已會勘並改善，謝謝您的意見。"
    page.click("input[name=reply-submit]")
    assert page.inner_text("#case-reply") == "本所已會勘並改善，謝謝您的意見。"
    page.select_option("select[name=close-outcome]", "resolved")
    page.click("input[name=close-submit]")
    assert page.inner_text("#case-state") == "已結案"

    _sign_in(page, base, "aa.monitor")
    page.goto(detail)
    actions = page.eval_on_selector_all(
        "table.trail tr[data-action]", "rows => rows.map(r => r.dataset.action)"
    )
    assert actions == [
        "created",
        "assigned",
        "extension_requested",
        "extension_approved",
        "started",
        "replied",
        "closed",
    ]
    trail = page.inner_text("table.trail")
    assert "aa.supervisor" in trail and "aa.officer" in trail and "需會同里長現場會勘" in trail
    assert errors == []
