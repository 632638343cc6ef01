"""The kiosk in headless Chromium: it asks its counter's questionnaire for the service, and where the office
turns it on, a skippable sex and age step after the tap that never holds the rating back."""

import json
import os
import time

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Rating
from feedback_app.services import devices, kiosk_sex_age
from tests.factories import PASSWORD

from .service_builders import assign, published_for_service

pytestmark = pytest.mark.browser
# Where to keep screenshots of the screens for a person to look at (unset: none are taken).
SHOTS = os.environ.get("KIOSK_SCREENSHOT_DIR")


def _wait(condition, what, page, seconds=20):
    """Poll from Python: the kiosk's CSP refuses the eval that wait_for_function needs."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        page.wait_for_timeout(200)


def _ratings() -> list[Rating]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Rating).order_by(Rating.tapped_at)))


def _config(page) -> dict:
    return json.loads(page.evaluate("localStorage.getItem('cf.kiosk.config')") or "{}")


@pytest.fixture
def open_kiosk(app, org, page, live_server):
    """Pair a kiosk for a counter in the browser and open its rating page, its questionnaire fetched."""
    app.config["KIOSK_THANKS_SECONDS"] = 0.3
    app.config["PUBLIC_BASE_URL"] = live_server.url

    def open_(counter, questionnaire="kiosk"):
        _, code = devices.register_device(counter)
        db.session.commit()
        page.goto(devices.pairing_url(code))
        page.locator("#pair-button").click()
        page.wait_for_url(f"{live_server.url}/kiosk/")
        _wait(lambda: _config(page).get("questionnaire") == questionnaire, "the kiosk never got its config", page)
        page.locator("#screen-rate").wait_for(state="visible")
        return page

    return open_


def test_the_kiosk_of_a_counter_shows_and_rates_the_questionnaire_assigned_for_its_service(org, open_kiosk):
    questionnaire, version = published_for_service(org)
    counter = org.a.counters[0]
    assign(org, counter, kiosk=questionnaire)
    page = open_kiosk(counter, "kiosk_registration")
    assert page.locator("#question").inner_text() == "您對今天辦理戶籍登記的服務滿意嗎？"
    page.locator('.face[data-score="4"]').click()
    page.locator("#screen-thanks").wait_for(state="visible")
    _wait(lambda: len(_ratings()) == 1, "the rating never arrived", page)
    assert _ratings()[0].questionnaire_version_id == version.id
    assert not page.locator("#screen-sexage").is_visible()


def test_with_the_step_off_the_kiosk_never_shows_it(org, open_kiosk):
    page = open_kiosk(org.a.counters[0])
    page.evaluate("""() => { window.sexAgeSeen = false; new MutationObserver(() => {
        if (!document.getElementById('screen-sexage').hidden) { window.sexAgeSeen = true; } })
        .observe(document.getElementById('screen-sexage'), {attributes: true}); }""")
    for score in (5, 1):
        page.locator(f'.face[data-score="{score}"]').click()
        if score == 1:
            page.locator("#skip").click()
        page.locator("#screen-thanks").wait_for(state="visible")
        page.locator("#screen-rate").wait_for(state="visible")
    _wait(lambda: len(_ratings()) == 2, "the ratings never arrived", page)
    assert page.evaluate("window.sexAgeSeen") is False


def test_with_the_step_on_the_rating_is_stored_at_once_skipping_keeps_it_and_answers_attach_to_it(
    app, org, open_kiosk
):
    kiosk_sex_age.set_ask_sex_age(org.users[("TPE", "admin")], org.a.id, True)
    db.session.commit()
    page = open_kiosk(org.a.counters[0])
    page.locator('.face[data-score="5"]').click()
    page.locator("#screen-sexage").wait_for(state="visible")
    # Sent on the tap: stored while the step is still on screen.
    _wait(lambda: len(_ratings()) == 1, "the rating waited for the step", page)
    assert page.locator('#sexage-sex input[value="female"]').count() == 1
    page.locator("#sexage-skip").click()
    page.locator("#screen-thanks").wait_for(state="visible")
    page.locator("#screen-rate").wait_for(state="visible")

    page.locator('.lang[data-lang="vi"]').click()
    page.locator('.face[data-score="4"]').click()
    page.locator("#screen-sexage").wait_for(state="visible")
    assert "Nữ" in page.locator("#sexage-sex").inner_text()
    page.locator('#sexage-sex input[value="female"]').check()
    page.locator('#sexage-age_group input[value="20_39"]').check()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "servicequest-kiosk-step-vi.png"))
    page.locator("#sexage-send").click()
    page.locator("#screen-thanks").wait_for(state="visible")
    _wait(lambda: [(r.score, r.sex, r.age_group) for r in _ratings()] == [(5, None, None), (4, "female", "20_39")],
          "the answers never reached the rating", page)
    _wait(lambda: page.evaluate("JSON.parse(localStorage.getItem('cf.kiosk.sexage') || '[]')") == [],
          "the kiosk kept the answers it had sent", page)

    # Left alone, the step closes by itself and keeps what was chosen.
    app.config["KIOSK_SEX_AGE_SECONDS"] = 1
    page.reload()
    page.locator("#screen-rate").wait_for(state="visible")
    page.locator('.face[data-score="3"]').click()
    page.locator("#screen-sexage").wait_for(state="visible")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "servicequest-kiosk-step-zh.png"))
    page.locator('#sexage-sex input[value="male"]').check()
    page.locator("#screen-sexage").wait_for(state="hidden", timeout=5000)
    _wait(lambda: [(r.score, r.sex) for r in _ratings()][-1] == (3, "male"), "the timed-out answer was lost", page)


def test_the_admin_assignment_page_in_the_browser(org, page, live_server):
    questionnaire, _ = published_for_service(org)
    published_for_service(org, service_code="military", service_name="役政", code="kiosk_military",
                          overall="您對今天辦理役政業務的服務滿意嗎？")
    assign(org, org.a.counters[0], kiosk=questionnaire)
    page.goto(f"{live_server.url}/")
    page.get_by_label("帳號").fill("tpe.admin")
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.goto(f"{live_server.url}/questionnaires/counters")
    counter_b = org.b.counters[1]
    page.locator(f'select[name="kiosk_{counter_b.id}"]').select_option(label="役政 — 役政問卷")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "servicequest-admin-counters.png"), full_page=True)
    page.locator('form[action$="/questionnaires/counters"] button[type="submit"]').click()
    page.wait_for_url(f"{live_server.url}/questionnaires/counters")
    from feedback_app.models import CounterQuestionnaire

    db.session.expire_all()
    assert db.session.get(CounterQuestionnaire, counter_b.id).kiosk_questionnaire.code == "kiosk_military"
    if SHOTS:
        page.goto(f"{live_server.url}/questionnaires/services")
        page.screenshot(path=os.path.join(SHOTS, "servicequest-admin-services.png"), full_page=True)
        page.goto(f"{live_server.url}/analytics/?service={questionnaire.service_id}")
        page.screenshot(path=os.path.join(SHOTS, "servicequest-dashboard-filter.png"), clip={
            "x": 0, "y": 0, "width": 1280, "height": 420})
