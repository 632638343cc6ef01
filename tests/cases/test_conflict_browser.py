"""In Chromium: a reply typed while someone else changed the case is refused, and comes back still typed, with
the other change beside it; the petitioner's look-up page in Vietnamese."""

import os

import pytest

from feedback_app.extensions import db
from feedback_app.services import cases as svc

from .factories import assigned, make_case
from .test_browser import _sign_in
from .test_services import _later_working_day

TYPED = "經查本所已於十一月二十日調整叫號系統，尖峰時段加開兩個櫃檯。"
SHOTS = os.environ.get("SCREENSHOT_DIR")  # set to keep the pages as PNG files for a person to look at


@pytest.mark.browser
def test_a_refused_reply_keeps_the_typed_text_and_shows_the_other_change(page, live_server, org, users):
    case, _ = make_case(org.a)
    assigned(case, users["supervisor"], users["officer"])
    _sign_in(page, live_server.url, "aa.officer")
    page.goto(f"{live_server.url}/cases/{case.number}")
    page.fill("textarea[name=reply-reply]", TYPED)
    # Meanwhile, in another tab, an extension is asked for.
    svc.request_extension(case, users["officer"], case.version, "需會同資訊室調整叫號系統",
                          _later_working_day(case, 3))
    db.session.commit()
    page.click("input[name=reply-submit]")
    assert page.input_value("textarea[name=reply-reply]") == TYPED
    conflict = page.locator("#conflict")
    assert conflict.is_visible()
    assert "申請展期" in conflict.inner_text() and "需會同資訊室調整叫號系統" in conflict.inner_text()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/petnotice-conflict.png", full_page=True)
    # Sent again once read, it is saved as typed.
    page.click("input[name=reply-submit]")
    assert page.inner_text("#case-state") == "已函復"


@pytest.mark.browser
def test_the_look_up_page_in_vietnamese_follows_a_merged_case(page, live_server, org, users):
    keep, _ = make_case(org.a)
    svc.transfer_case(keep, users["supervisor"], keep.version, "非本所業務", agency="臺北市政府工務局",
                      contact="1999 分機 8888")
    dup, code = make_case(org.a, petitioner_email="vi@example.tw", petitioner_locale="vi")
    svc.merge_case(dup, users["supervisor"], dup.version, keep.number)
    db.session.commit()
    page.goto(f"{live_server.url}/lookup?lang=vi")
    page.fill("input[name=number]", dup.number)
    page.fill("input[name=code]", code)
    page.click("button[type=submit].primary")
    assert page.get_attribute("html", "lang") == "vi"
    assert f"Hồ sơ {keep.number}" in page.inner_text("h2#result")
    assert keep.number in page.inner_text("#lookup-merged")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/petnotice-lookup-vi.png", full_page=True)
    page.click("button[name=lang][value=th]")
    assert page.get_attribute("html", "lang") == "th"
    assert keep.number in page.inner_text("#lookup-merged")
