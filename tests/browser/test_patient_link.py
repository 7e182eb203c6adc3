"""Phone-first landing page and private link pages (issue 12, items 4, 5 and 7)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible


def _start(page, live_server):
    page.goto(live_server + "/")
    page.get_by_label("Adult ADHD", exact=False).first.check()
    page.locator("#consent").check()
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/screen/started")


def test_the_start_button_is_within_one_and_a_half_phone_screens(phone, live_server):
    phone.goto(live_server + "/")
    box = phone.get_by_role("button", name="Start").bounding_box()
    assert box is not None
    assert_accessible(phone, "p2-landing")
    assert box["y"] + box["height"] <= 1.5 * 740, box


def test_the_landing_page_on_a_desktop(desktop, live_server):
    desktop.goto(live_server + "/")
    assert_accessible(desktop, "p2-landing")


def test_the_started_page_shows_a_qr_code_and_a_working_copy_button(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    _start(page, live_server)
    button = page.get_by_role("button", name="Copy link")
    button.click()
    page.get_by_text("Link copied").wait_for()
    link = page.locator("#resume-url").get_attribute("href")
    assert page.evaluate("navigator.clipboard.readText()") == link
    page.get_by_text("Show a QR code").click()
    expect(page.locator("details.qr-code svg.qr")).to_be_visible()
    assert_accessible(page, "p2-started")
    context.close()


def test_without_javascript_the_copy_button_is_absent(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    _start(page, live_server)
    assert not page.get_by_role("button", name="Copy link").is_visible()
    expect(page.locator("#resume-url")).to_be_visible()
    context.close()


def test_an_unknown_link_page(phone, live_server):
    response = phone.goto(live_server + "/screen/resume/not-a-real-token")
    assert response.status == 404
    assert_accessible(phone, "p2-link-unknown")
