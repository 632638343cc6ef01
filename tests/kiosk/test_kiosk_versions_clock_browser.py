"""The kiosk in headless Chromium with a wrong clock, a questionnaire published while it is open, and a rating the
server refuses: every tap is stored once, at the true time, against the version it was made with, or kept in
quarantine, and only then forgotten by the kiosk."""

import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import QuarantinedRating, QuestionnaireVersion, Rating, utcnow
from feedback_app.services import devices

from .factories import publish_version

pytestmark = pytest.mark.browser

# Replaces the page's Date with one whose "now" runs `skew` milliseconds off the true time.
SKEWED_CLOCK = """
(() => {
  const skew = %d;
  const RealDate = Date;
  function SkewedDate(...args) {
    if (!new.target) { return new RealDate(RealDate.now() + skew).toString(); }
    return args.length ? new RealDate(...args) : new RealDate(RealDate.now() + skew);
  }
  SkewedDate.prototype = RealDate.prototype;
  SkewedDate.now = () => RealDate.now() + skew;
  SkewedDate.parse = RealDate.parse;
  SkewedDate.UTC = RealDate.UTC;
  globalThis.Date = SkewedDate;
})();
"""


def _queue(page):
    return page.evaluate("JSON.parse(localStorage.getItem('cf.kiosk.queue') || '[]')")


def _wait(condition, what, seconds=20, page=None):
    """Poll from Python: the kiosk's CSP refuses the eval that wait_for_function needs."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        if page is not None:
            page.wait_for_timeout(200)
        else:
            time.sleep(0.2)


def _tap(page, score, reasons=()):
    """A citizen's tap; returns the true time of it."""
    page.locator("#screen-rate").wait_for(state="visible")
    at = utcnow()
    page.locator(f'.face[data-score="{score}"]').click()
    if score <= 2:
        for reason in reasons:
            page.locator(f'#why-form input[value="{reason}"]').check()
        page.locator('#why-form button[type="submit"]').click()
    page.locator("#screen-thanks").wait_for(state="visible")
    return at


def _ratings():
    db.session.rollback()
    return {r.uuid: r for r in db.session.scalars(sa.select(Rating))}


@pytest.fixture
def open_kiosk(app, org, page, live_server):
    """Pair a kiosk in the browser, its clock `skew` off the true time, and open its rating page."""
    app.config["KIOSK_THANKS_SECONDS"] = 0.3
    app.config["PUBLIC_BASE_URL"] = live_server.url

    def open_(skew: timedelta = timedelta(0)):
        if skew:
            page.add_init_script(SKEWED_CLOCK % (skew // timedelta(milliseconds=1)))
        _, code = devices.register_device(org.a.counters[0])
        db.session.commit()
        page.goto(devices.pairing_url(code))
        page.locator("#pair-button").click()
        page.wait_for_url(f"{live_server.url}/kiosk/")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        return page

    return open_


def _taps_online_and_offline(page, live_server):
    taps = [(_tap(page, 5), 5), (_tap(page, 4), 4)]
    _wait(lambda: not _queue(page), "the kiosk never emptied its queue", page=page)
    live_server.unreachable = True
    page.context.set_offline(True)
    taps += [(_tap(page, 3), 3), (_tap(page, 1), 1), (_tap(page, 5), 5)]
    assert len(_queue(page)) == 3
    live_server.unreachable = False
    page.context.set_offline(False)
    _wait(lambda: not _queue(page), "the kiosk never emptied its queue", page=page)
    return taps


@pytest.mark.parametrize("skew", [timedelta(hours=1), -timedelta(days=365)], ids=["an_hour_ahead", "a_year_behind"])
def test_a_kiosk_with_a_wrong_clock_stores_every_tap_once_at_the_true_time_keeping_its_own(
    open_kiosk, live_server, skew
):
    page = open_kiosk(skew)
    device_year = page.evaluate("new Date().getFullYear()")
    assert device_year == (utcnow() + skew).year
    taps = _taps_online_and_offline(page, live_server)
    stored = sorted(_ratings().values(), key=lambda r: r.tapped_at)
    assert len(stored) == len(taps)
    for (true_time, score), r in zip(taps, stored, strict=True):
        assert r.score == score
        assert abs((r.tapped_at - true_time).total_seconds()) < 60, (r.tapped_at, true_time)
        assert abs(((r.device_tapped_at - r.tapped_at) - skew).total_seconds()) < 60
        assert r.tap_time_flag is None
    db.session.rollback()
    assert db.session.scalars(sa.select(QuarantinedRating)).all() == []


def test_a_version_published_while_the_kiosk_is_open_shows_between_two_citizens(app, org, open_kiosk):
    app.config["KIOSK_CONFIG_POLL_SECONDS"] = 0.5
    page = open_kiosk()
    page.locator("#screen-rate").wait_for(state="visible")
    page.locator('.face[data-score="1"]').click()
    page.locator("#screen-why").wait_for(state="visible")
    publish_version(org, add=("parking", "停車不便"))
    page.wait_for_timeout(2000)  # several polls' time: the citizen on screen keeps what they were shown
    assert page.locator('#why-form input[value="other"]').count() == 1
    assert page.locator('#why-form input[value="parking"]').count() == 0
    page.locator('#why-form input[value="other"]').check()
    page.locator('#why-form button[type="submit"]').click()
    page.locator("#screen-rate").wait_for(state="visible")
    _wait(
        lambda: (json.loads(page.evaluate("localStorage.getItem('cf.kiosk.config')")) or {}).get("version") == 2,
        "the kiosk never took up the new version",
        page=page,
    )
    _tap(page, 2, reasons=["parking"])
    assert page.locator('#why-form input[value="other"]').count() == 0
    _wait(lambda: not _queue(page), "the kiosk never emptied its queue", page=page)
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Rating.score, QuestionnaireVersion.version)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Rating.questionnaire_version_id)
        .order_by(Rating.tapped_at)
    ).all()
    assert [tuple(row) for row in rows] == [(1, 1), (2, 2)]
    assert db.session.scalars(sa.select(QuarantinedRating)).all() == []


def test_the_kiosk_forgets_a_refused_rating_only_once_the_server_kept_it_in_quarantine(
    app, open_kiosk, live_server, monkeypatch
):
    page = open_kiosk()
    live_server.unreachable = True
    page.context.set_offline(True)
    _tap(page, 5)
    # A rating the server will refuse: its score is out of the scale.
    page.evaluate(
        "localStorage.setItem('cf.kiosk.queue', JSON.stringify(JSON.parse(localStorage.getItem('cf.kiosk.queue'))"
        ".map(i => Object.assign(i, {answers: {overall: 9}}))))"
    )
    [queued] = _queue(page)

    from feedback_app.api import ratings as api

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(api, "ingest", broken)
    live_server.unreachable = False
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_timeout(3000)  # the server answers 500: the kiosk keeps the rating
    assert [i["uuid"] for i in _queue(page)] == [queued["uuid"]]
    db.session.rollback()
    assert db.session.scalars(sa.select(QuarantinedRating)).all() == []

    monkeypatch.undo()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _wait(lambda: not _queue(page), "the kiosk never emptied its queue", page=page)
    db.session.rollback()
    [kept] = db.session.scalars(sa.select(QuarantinedRating)).all()
    payload = json.loads(kept.payload)
    assert kept.uuid == queued["uuid"] and payload["answers"] == {"overall": 9}
    assert payload["tapped_at"] == queued["tapped_at"] and kept.reason == "invalid"
    assert _ratings() == {}
