"""In Chromium: a kiosk whose counter is closed shows the closed notice instead of the questionnaire."""

import pytest

from feedback_app.extensions import db
from feedback_app.services import devices
from feedback_app.services import org as places

pytestmark = pytest.mark.browser


def test_a_paired_kiosk_shows_the_closed_notice_once_its_counter_is_closed(app, org, page, live_server):
    app.config["PUBLIC_BASE_URL"] = live_server.url
    counter = org.a.counters[0]
    _device, code = devices.register_device(counter)
    db.session.commit()
    page.goto(devices.pairing_url(code))
    page.locator("#pair-button").click()
    page.wait_for_url(f"{live_server.url}/kiosk/")
    page.locator("#screen-rate").wait_for(state="visible")
    assert page.locator("#kiosk-closed").is_hidden()

    places.save_counter(org.a, {"active": False}, counter)
    db.session.commit()
    page.reload()
    page.locator("#kiosk-closed").wait_for(state="visible")
    assert page.locator("#kiosk").is_hidden()
    assert "本櫃檯已停止服務" in page.locator("#kiosk-closed").inner_text()
