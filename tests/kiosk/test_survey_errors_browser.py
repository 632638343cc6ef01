"""The QR survey's error summary on a phone with JavaScript off: focused on arrival, every mark tied to its question."""

import pytest

from feedback_app.services import qr

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, java_script_enabled=False, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


def test_sending_with_answers_missing_focuses_a_summary_and_marks_each_question(phone, live_server, org, tmp_path):
    token = qr.counter_token(org.a.counters[0])
    phone.goto(f"{live_server.url}/s/{token}?lang=en")
    phone.locator("#q_overall_2").check()
    phone.locator("#q_waiting_1").check()
    phone.locator("button.send").click()
    summary = phone.locator("#errors")
    summary.wait_for(state="visible")
    assert phone.evaluate("document.activeElement.id") == "errors"
    assert summary.locator("a").all_inner_texts() == ["Staff attitude", "Competence", "Premises"]
    described = phone.evaluate(
        """() => [...document.querySelectorAll('input[aria-invalid="true"]')].map(input => [
            input.name, document.getElementById(input.getAttribute('aria-describedby')).textContent.trim()])"""
    )
    assert {name for name, _ in described} == {"q_attitude", "q_competence", "q_environment"}
    assert {message for _, message in described} == {"This question needs an answer."}
    assert phone.locator("#q_overall_2").is_checked() and phone.locator("#q_waiting_1").is_checked()
    summary.locator("a").first.click()
    assert phone.evaluate("document.activeElement.id") == "q_attitude_5"
    phone.screenshot(path=str(tmp_path / "survey-errors.png"), full_page=True)


def _serious(results):
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_marked_survey_and_the_consent_question_have_no_serious_accessibility_violations(
    browser, live_server, org
):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(bypass_csp=True, locale="zh-TW")
    page = context.new_page()
    try:
        token = qr.counter_token(org.a.counters[0])
        page.goto(f"{live_server.url}/s/{token}?lang=vi")
        page.locator("#contact-phone").fill("09x")
        page.locator("#contact-consent").check()
        page.locator("button.send").click()
        page.locator("#errors").wait_for()
        assert _serious(axe.run(page)) == []
        page.goto(f"{live_server.url}/s/{token}?lang=th")
        for code in ("attitude", "competence", "waiting", "environment", "overall"):
            page.locator(f"#q_{code}_3").check()
        page.locator("#contact-email").fill("citizen@example.tw")
        page.locator("button.send").last.click()
        page.locator("#consent-ask").wait_for()
        assert _serious(axe.run(page)) == []
    finally:
        context.close()
