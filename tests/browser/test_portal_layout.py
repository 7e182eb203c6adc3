"""Every clinic page shares one layout: header, content and footer on one left edge."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.auth_helpers import PASSWORD, make_user, submitted_screening
from tests.browser.conftest import assert_accessible, screenshot

PAGES = [
    ("/clinician/", "worklist"),
    ("/admin/audit", "audit-log"),
    ("/admin/users", "users"),
    ("/admin/erasure/", "erasure"),
    ("/staff/", "staff-index"),
    ("/staff/settings", "staff-settings"),
]


# How many lines each element's words take on the page.
LINES = """cells => cells.map(cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
})"""


def _left(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["x"]


@pytest.mark.parametrize("width", [360, 1280, 1600])
def test_portal_pages_line_up_at_every_width(browser, live_app, live_server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        submitted_screening(live_app)
        make_user(live_app, "all@clinic.example", ["clinician", "staff", "admin"])
        page.goto(live_server + "/auth/login")
        page.get_by_label("Email address").fill("all@clinic.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        for path, name in PAGES:
            page.goto(live_server + path)
            header = _left(page, ".site-header .site-name")
            heading = _left(page, "main h1")
            footer = _left(page, ".site-footer p")
            assert abs(header - heading) <= 1, (path, width, header, heading)
            assert abs(footer - heading) <= 1, (path, width, footer, heading)
            # A time in a table keeps its day and its clock each on one line.
            for lines in page.locator("td", has_text="UTC").evaluate_all(LINES):
                assert lines <= 2, (path, width, lines)
            screenshot(page, f"portal-{name}")
            if width == 1600:
                # Centred as a whole: the same margin on both sides of the header's column.
                inner = page.locator(".site-header .container").bounding_box()
                assert abs(inner["x"] - (width - inner["x"] - inner["width"])) <= 2, path
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_deactivation_is_confirmed_on_its_own_page(request, live_app, live_server, viewport):
    page = request.getfixturevalue(viewport)
    make_user(live_app, "boss@clinic.example", "admin")
    make_user(live_app, "doc@clinic.example", "clinician")
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email address").fill("boss@clinic.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="doc@clinic.example").click()
    page.get_by_role("link", name="Deactivate account").click()
    expect(page.get_by_role("heading", name="Deactivate doc@clinic.example?")).to_be_visible()
    assert_accessible(page, "admin-deactivate")
    page.get_by_role("link", name="No, keep it active").click()
    expect(page.get_by_role("heading", name="doc@clinic.example")).to_be_visible()
    page.get_by_role("link", name="Deactivate account").click()
    page.get_by_role("button", name="Yes, deactivate the account").click()
    assert "deactivated; their sessions have ended" in page.locator("main").inner_text()
    assert_accessible(page, "admin-user-deactivated")
