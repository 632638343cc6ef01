"""A staff member signs in through a real browser and reaches their landing page."""

import pytest

from tests.factories import PASSWORD


@pytest.mark.browser
def test_sign_in_in_chromium_switch_language_and_sign_out(org, live_server, page):
    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/login?next=%2F")
    assert page.locator("h1").inner_text() == "員工登入"
    page.get_by_label("帳號").fill("aa.supervisor")
    page.get_by_label("密碼").fill(PASSWORD)
    page.get_by_role("button", name="登入").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "aa.supervisor" in page.locator("h1").inner_text()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Your areas").is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/login")
