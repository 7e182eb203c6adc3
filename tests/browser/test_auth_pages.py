"""The clinic pages in Chromium: axe finds nothing, no sideways page scroll, no JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.auth_helpers import PASSWORD, make_user, submitted_screening
from tests.browser.conftest import assert_accessible, click_and_wait
from tests.helpers import rls


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_sign_in_worklist_detail_and_admin_pages(request, live_app, live_server, viewport):
    page = request.getfixturevalue(viewport)
    screening_id, code = submitted_screening(live_app, adhd="often", rls_answers=rls())
    make_user(live_app, "boss@clinic.example", ["clinician", "admin"])

    page.goto(live_server + "/clinician/")
    assert "/auth/login" in page.url
    assert_accessible(page, "sign-in")
    page.get_by_label("Email address").fill("boss@clinic.example")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, "sign-in-failed")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Submitted screenings")).to_be_visible()
    assert_accessible(page, "worklist")

    page.get_by_role("textbox", name="Reference code").fill(code.lower())
    click_and_wait(page, page.get_by_role("button", name="Find", exact=True))
    assert page.url.endswith(f"/clinician/screenings/{screening_id}")
    assert code not in page.url
    assert_accessible(page, "screening-detail")
    page.get_by_label("Review note (optional)").fill("Seen; refer to sleep clinic.")
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_role("status").first).to_be_visible()
    for path, name in (("/admin/users", "users"), ("/admin/audit", "audit-log")):
        page.goto(live_server + path)
        assert_accessible(page, name)
    click_and_wait(page, page.get_by_role("button", name="Sign out"))
    assert "You have signed out." in page.content()
    page.goto(live_server + "/clinician/")
    assert "/auth/login" in page.url
