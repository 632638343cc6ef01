"""The reason screen (不滿意原因) on a 1280x800 landscape kiosk: it fits in every language, its time limit warns and
can be extended, a touch restarts it, nothing ticked or typed is thrown away, and contact needs consent."""

import time

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Answer, Case, Rating
from feedback_app.services import devices

pytestmark = pytest.mark.browser

KIOSK = {"width": 1280, "height": 800}
LANGS = ["zh_TW", "en", "vi", "id", "th"]


def _stored():
    db.session.rollback()
    return db.session.scalars(sa.select(Rating)).all()


def _wait_stored(n=1, seconds=20):
    deadline = time.monotonic() + seconds
    while len(_stored()) < n:
        assert time.monotonic() < deadline, "the kiosk never sent the rating"
        time.sleep(0.2)
    return _stored()


def _reasons_of(rating):
    answers = db.session.scalars(sa.select(Answer).where(Answer.rating_id == rating.id)).all()
    return sorted(code for a in answers for code in (a.choices or []))


@pytest.fixture
def kiosk_page(app, org, browser, live_server):
    """A paired kiosk in a 1280x800 landscape browser; the reason screen's limits come from the config."""

    def open_kiosk(reason_seconds=60, warning_seconds=20):
        app.config.update(
            KIOSK_THANKS_SECONDS=1,
            PUBLIC_BASE_URL=live_server.url,
            KIOSK_REASON_SECONDS=reason_seconds,
            KIOSK_REASON_WARNING_SECONDS=warning_seconds,
        )
        _, code = devices.register_device(org.a.counters[0])
        db.session.commit()
        page.goto(devices.pairing_url(code))
        page.locator("#pair-button").click()
        page.wait_for_url(f"{live_server.url}/kiosk/")
        return page

    context = browser.new_context(viewport=KIOSK, locale="zh-TW", timezone_id="Asia/Taipei", has_touch=True)
    page = context.new_page()
    yield open_kiosk
    context.close()


def _why(page, lang="zh_TW"):
    page.locator(f'.lang[data-lang="{lang}"]').click()
    page.locator('.face[data-score="1"]').click()
    page.locator("#screen-why").wait_for(state="visible")


@pytest.mark.parametrize("lang", LANGS)
def test_send_is_fully_visible_without_scrolling_on_a_1280x800_kiosk(kiosk_page, lang):
    page = kiosk_page()
    _why(page, lang)
    assert page.locator(".reason").count() == 6  # the longest reason list of the default questionnaire
    viewport = page.viewport_size
    for selector in ("#send", "#skip", "#contact-consent", ".reason >> nth=-1"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (selector, box)
    sizes = page.evaluate("[document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
    assert sizes[0] <= viewport["height"] and sizes[1] <= viewport["width"], sizes
    # Phone and email errors take room too: still no scrolling with both showing.
    page.locator("#contact-phone").fill("abc")
    page.locator("#contact-email").fill("abc")
    page.locator("#send").click()
    assert page.locator("#contact-phone-error").is_visible() and page.locator("#contact-email-error").is_visible()
    box = page.locator("#send").bounding_box()
    assert box["y"] + box["height"] <= viewport["height"], box
    assert page.evaluate("document.documentElement.scrollHeight") <= viewport["height"]


def test_the_time_limit_warns_with_a_countdown_and_more_time_keeps_what_was_given(kiosk_page):
    page = kiosk_page(reason_seconds=4, warning_seconds=1.5)
    _why(page)
    page.locator('input[value="wait_long"]').check()
    page.locator('input[value="attitude"]').check()
    page.locator("#contact-phone").fill("0912345678")
    page.locator("#contact-consent").check()
    dialog = page.locator("#why-timeout")
    dialog.wait_for(state="visible", timeout=5000)
    countdown = page.locator("#why-countdown").inner_text()
    assert any(ch.isdigit() for ch in countdown) and "秒" in countdown
    page.locator("#more-time").click()
    assert dialog.is_hidden()
    page.wait_for_timeout(2000)  # past the moment the first limit would have closed the screen
    assert page.locator("#screen-why").is_visible() and dialog.is_hidden()
    assert page.locator('input[value="wait_long"]').is_checked()
    assert page.locator('input[value="attitude"]').is_checked()
    assert page.locator("#contact-phone").input_value() == "0912345678"
    assert page.locator("#contact-consent").is_checked()
    assert _stored() == []


def test_a_touch_restarts_the_time_limit_and_the_final_timeout_keeps_the_tap_reasons_and_agreed_contact(kiosk_page):
    page = kiosk_page(reason_seconds=2.5, warning_seconds=1.5)
    _why(page)
    page.locator('input[value="unclear"]').check()
    page.locator("#contact-phone").fill("0912345678")
    page.locator("#contact-consent").check()
    for _ in range(8):  # four seconds of touches, each well inside the limit
        page.wait_for_timeout(500)
        page.touchscreen.tap(640, 60)
    assert page.locator("#screen-why").is_visible()
    assert _stored() == []
    page.locator("#screen-thanks").wait_for(state="visible", timeout=6000)  # untouched, the limit runs out
    (rating,) = _wait_stored()
    assert rating.score == 1 and _reasons_of(rating) == ["unclear"]
    case = db.session.get(Case, rating.case_id)
    assert case is not None and case.petitioner_phone == "0912345678"


def test_a_keypress_restarts_the_time_limit(kiosk_page):
    page = kiosk_page(reason_seconds=2, warning_seconds=1)
    _why(page)
    page.locator("#contact-email").focus()
    for _ in range(6):
        page.wait_for_timeout(500)
        page.keyboard.press("Shift")
    assert page.locator("#screen-why").is_visible()


def test_a_rating_tapped_before_the_reasons_is_kept_when_the_screen_times_out_untouched(kiosk_page):
    page = kiosk_page(reason_seconds=1.5, warning_seconds=1)
    _why(page)
    page.locator("#screen-thanks").wait_for(state="visible", timeout=5000)
    (rating,) = _wait_stored()
    assert rating.score == 1 and rating.case_id is None


def test_contact_typed_without_consent_is_asked_for_and_declining_keeps_it_off_and_says_so(kiosk_page):
    page = kiosk_page()
    _why(page, "en")
    page.locator('input[value="wait_long"]').check()
    page.locator("#contact-phone").fill("0912345678")
    page.locator("#send").click()
    ask = page.locator("#consent-ask")
    assert ask.is_visible() and "consent" in ask.inner_text()
    assert page.evaluate("document.activeElement.id") == "consent-yes"
    page.locator("#consent-no").click()
    page.locator("#screen-thanks").wait_for(state="visible")
    assert page.locator("#contact-dropped").is_visible()
    assert "not kept" in page.locator("#contact-dropped").inner_text()
    (rating,) = _wait_stored()
    assert rating.case_id is None and _reasons_of(rating) == ["wait_long"]
    assert db.session.scalars(sa.select(Case)).all() == []


def test_contact_typed_without_consent_is_kept_when_the_citizen_agrees_on_the_spot(kiosk_page):
    page = kiosk_page()
    _why(page)
    page.locator("#contact-email").fill("citizen@example.tw")
    page.locator("#send").click()
    page.locator("#consent-yes").click()
    page.locator("#screen-thanks").wait_for(state="visible")
    assert page.locator("#contact-dropped").is_hidden()
    (rating,) = _wait_stored()
    assert db.session.get(Case, rating.case_id).petitioner_email == "citizen@example.tw"


def test_a_mistyped_phone_is_marked_on_the_spot_instead_of_being_refused_later(kiosk_page):
    page = kiosk_page()
    _why(page)
    page.locator("#contact-phone").fill("09x")
    page.locator("#contact-consent").check()
    page.locator("#send").click()
    error = page.locator("#contact-phone-error")
    assert error.is_visible()
    assert page.locator("#contact-phone").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "contact-phone"
    page.locator("#contact-phone").fill("0912-345-678")
    page.locator("#send").click()
    page.locator("#screen-thanks").wait_for(state="visible")
    (rating,) = _wait_stored()
    assert rating.case_id is not None


def test_the_time_limit_warning_and_the_consent_question_have_no_serious_accessibility_violations(kiosk_page):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = kiosk_page(reason_seconds=30, warning_seconds=29)
    _why(page, "vi")
    page.locator("#why-timeout").wait_for(state="visible")
    results = axe.run(page)
    assert results.response["passes"]
    assert [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")] == []
    page.locator("#more-time").click()
    page.locator("#contact-phone").fill("0912345678")
    page.locator("#send").click()
    page.locator("#consent-ask").wait_for(state="visible")
    results = axe.run(page)
    assert results.response["passes"]
    assert [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")] == []
