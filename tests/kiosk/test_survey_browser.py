"""The QR survey on a phone-sized screen with JavaScript off, in five languages; axe on kiosk and survey."""

import uuid

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Rating
from feedback_app.services import qr

pytestmark = pytest.mark.browser

THANKS = {"zh_TW": "謝謝", "en": "Thank you", "vi": "Cảm ơn", "id": "Terima kasih", "th": "ขอบคุณ"}
OVERALL = {
    "zh_TW": "整體而言",
    "en": "Overall",
    "vi": "Nhìn chung",
    "id": "Secara keseluruhan",
    "th": "โดยรวม",
}


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        java_script_enabled=False,
        is_mobile=True,
        has_touch=True,
        locale="zh-TW",
    )
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", ["zh_TW", "en", "vi", "id", "th"])
def test_phone_survey_works_without_javascript_in_every_language(phone, live_server, org, lang):
    token = qr.counter_token(org.a.counters[0])
    phone.goto(f"{live_server.url}/s/{token}")
    phone.locator(f'.survey-languages a[lang="{lang.replace("_", "-")}"]').click()
    assert phone.locator("html").get_attribute("lang") == lang.replace("_", "-")
    assert OVERALL[lang] in phone.locator("body").inner_text()
    for code, score in (
        ("attitude", 5),
        ("competence", 4),
        ("waiting", 2),
        ("environment", 4),
        ("overall", 4),
    ):
        phone.locator(f"#q_{code}_{score}").check()
    phone.locator("#q_reasons_wait_long").check()
    phone.locator("#q_age_group_65_plus").check()
    phone.locator("button.send").click()
    assert THANKS[lang] in phone.locator("h1").inner_text()
    db.session.rollback()
    stored = db.session.scalars(sa.select(Rating)).one()
    assert (stored.locale, stored.score, stored.age_group, stored.channel) == (
        lang,
        4,
        "65_plus",
        "counter_qr",
    )


def _serious(results):
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_kiosk_and_survey_pages_have_no_serious_accessibility_violations(browser, live_server, org):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(bypass_csp=True, locale="zh-TW")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/kiosk/")
        assert _serious(axe.run(page)) == []
        page.locator('.face[data-score="1"]').click()
        assert _serious(axe.run(page)) == []
        token = qr.counter_token(org.a.counters[0])
        page.goto(f"{live_server.url}/s/{token}?lang=th")
        assert _serious(axe.run(page)) == []
        page.goto(f"{live_server.url}/s/{token}")
        page.locator("button.send").click()  # the browser's own required check keeps it here
        page.goto(f"{live_server.url}/s/{uuid.uuid4().hex}")
        assert _serious(axe.run(page)) == []
    finally:
        context.close()
