"""The kiosk in headless Chromium: pairing, offline taps, reload with no network, every rating stored once."""

import time

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Rating
from feedback_app.services import devices

pytestmark = pytest.mark.browser


def _stored():
    db.session.rollback()
    return db.session.scalars(sa.select(Rating.uuid)).all()


def _queue(page):
    return page.evaluate("JSON.parse(localStorage.getItem('cf.kiosk.queue') || '[]').map(i => i.uuid)")


def _wait_queue_empty(page, seconds=20):
    """Poll from Python: the kiosk's CSP refuses the eval that wait_for_function needs."""
    deadline = time.monotonic() + seconds
    while _queue(page):
        assert time.monotonic() < deadline, "the kiosk never emptied its queue"
        page.wait_for_timeout(200)


def _tap(page, score):
    page.locator("#screen-rate").wait_for(state="visible")
    page.locator(f'.face[data-score="{score}"]').click()
    if score <= 2:
        page.locator("#skip").click()
    page.locator("#screen-thanks").wait_for(state="visible")


@pytest.fixture
def paired_page(app, org, page, live_server):
    app.config["KIOSK_THANKS_SECONDS"] = 0.3
    app.config["PUBLIC_BASE_URL"] = live_server.url
    _, code = devices.register_device(org.a.counters[0])
    db.session.commit()
    page.goto(devices.pairing_url(code))
    page.locator("#pair-button").click()
    page.wait_for_url(f"{live_server.url}/kiosk/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    return page


def test_ratings_tapped_offline_survive_a_reload_and_are_stored_exactly_once(paired_page, live_server):
    page = paired_page
    _tap(page, 5)
    _tap(page, 4)
    _wait_queue_empty(page)
    assert len(_stored()) == 2

    live_server.unreachable = True
    page.context.set_offline(True)
    _tap(page, 3)
    _tap(page, 1)
    _tap(page, 5)
    assert len(_queue(page)) == 3
    response = page.reload()
    assert response is not None and response.from_service_worker
    _tap(page, 2)
    _tap(page, 4)
    queued = _queue(page)
    assert len(queued) == 5
    assert len(_stored()) == 2

    live_server.unreachable = False
    page.context.set_offline(False)
    _wait_queue_empty(page)
    stored = _stored()
    assert len(stored) == 7 == len(set(stored))
    assert set(queued) <= set(stored)


def test_low_score_asks_why_and_returns_to_chinese(paired_page):
    page = paired_page
    page.locator('.lang[data-lang="en"]').click()
    assert page.locator("#question").inner_text().startswith("Overall")
    page.locator('.face[data-score="1"]').click()
    page.locator('input[value="wait_long"]').check()
    page.locator("#contact-phone").fill("0912345678")
    page.locator("#contact-consent").check()
    page.locator('#why-form button[type="submit"]').click()
    page.locator("#screen-rate").wait_for(state="visible")
    assert page.locator("#question").inner_text().startswith("整體")
    _wait_queue_empty(page)
    db.session.rollback()
    rating = db.session.scalars(sa.select(Rating)).one()
    assert rating.score == 1 and rating.locale == "en" and rating.case_id is not None
