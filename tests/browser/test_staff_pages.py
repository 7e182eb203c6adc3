"""The staff and erasure pages in Chromium: axe-core, no sideways scrolling, a real edit."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from screener.extensions import db
from screener.services import content, screenings
from tests.auth_helpers import PASSWORD, make_user
from tests.browser.conftest import assert_accessible as shared_assert_accessible
from tests.browser.conftest import click_and_wait

ASRS = "asrs-v1.1"
OLD_Q1 = "How often do you have trouble wrapping up the final details of a project"
NEW_Q1 = "How often do you find it hard to finish the last details of a project"


def assert_accessible(page, name: str) -> None:
    shared_assert_accessible(page, f"staff-{name}")


def using(request, viewport: str):
    """The page at ``viewport``, the live app and its address."""
    return (
        request.getfixturevalue(viewport),
        request.getfixturevalue("live_app"),
        request.getfixturevalue("live_server"),
    )


def sign_in(page, server: str, email: str) -> None:
    page.goto(server + "/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_staff_edit_preview_publish_in_a_browser(request, viewport):
    page, app, server = using(request, viewport)
    make_user(app, "editor@example.org", "staff")
    sign_in(page, server, "editor@example.org")
    page.goto(server + "/staff/")
    assert_accessible(page, "index")
    page.goto(server + f"/staff/definitions/{ASRS}/edit")
    assert_accessible(page, "edit")

    page.fill("#source", "id: asrs-v1.1\nitems: [\n")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("problem to fix")).to_be_visible()
    assert_accessible(page, "edit-problems")

    page.goto(server + f"/staff/definitions/{ASRS}/edit")
    page.fill("#source", page.input_value("#source").replace(OLD_Q1, NEW_Q1))
    page.fill("#note", "Plainer wording")
    page.get_by_role("button", name="Save as draft").click()
    # The ASRS's terms keep its wording unaltered: the change needs a confirmation.
    expect(
        page.get_by_role("heading", name="Confirm changes to a validated instrument")
    ).to_be_visible()
    assert_accessible(page, "edit-confirm")
    page.get_by_label("I confirm that this changes the wording").check()
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("heading", name="Publish this draft")).to_be_visible()
    assert_accessible(page, "revision")
    page.get_by_role("link", name="Preview as a patient sees it").click()
    expect(page.get_by_text(NEW_Q1)).to_be_visible()
    assert_accessible(page, "preview")
    page.go_back()
    click_and_wait(page, page.get_by_role("link", name="See what changed"))
    assert_accessible(page, "diff")
    page.go_back()
    page.get_by_role("button", name="Publish revision 2").click()
    expect(page.get_by_text("Revision 2 is live")).to_be_visible()
    assert_accessible(page, "versions")
    with app.app_context():
        assert content.live_version(ASRS).revision == 2

    page.goto(server + "/staff/settings")
    assert_accessible(page, "settings")
    page.fill("#providers-0-name", "Sleep Centre")
    page.fill("#providers-0-url", "javascript:alert(1)")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page, "settings-problems")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_admin_erasure_in_a_browser(request, viewport):
    page, app, server = using(request, viewport)
    make_user(app, "admin@example.org", "admin")
    with app.app_context():
        screening, _ = screenings.start([ASRS])
        db.session.commit()
        code = screening.reference_code
    sign_in(page, server, "admin@example.org")
    page.goto(server + "/admin/erasure/")
    assert_accessible(page, "erase-find")
    page.fill("#code", code)
    click_and_wait(page, page.get_by_role("button", name="Find the screening"))
    assert_accessible(page, "erase-confirm")
    page.get_by_role("button", name="Erase for good").click()
    expect(page.get_by_text("Tick the box to confirm").first).to_be_visible()
    assert_accessible(page, "erase-unticked")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Erase for good").click()
    expect(page.get_by_text("has been erased")).to_be_visible()
    with app.app_context():
        assert screenings.by_code(code) is None
