"""The clinician's screening page in Chromium: what, how sure and what next on one screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.auth_helpers import PASSWORD, make_user, submitted_screening
from tests.browser.conftest import assert_accessible
from tests.helpers import rls

FIRST_SCREEN = 900  # the height of the desktop window
QUESTION = "How often do you feel restless or fidgety?"


def _sign_in(page, live_server):
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email address").fill("doc@clinic.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _bottom(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"] + box["height"]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_review_and_outcomes_are_on_the_first_screen(request, live_app, live_server, viewport):
    page = request.getfixturevalue(viewport)
    screening_id, _ = submitted_screening(
        live_app, adhd="often", rls_answers=rls(causes={"cramps": "unsure"}, medicine="yes")
    )
    make_user(live_app, "doc@clinic.example", "clinician")
    _sign_in(page, live_server)
    page.goto(f"{live_server}/clinician/screenings/{screening_id}")
    button = page.get_by_role("button", name="Mark as reviewed")
    outcomes = [
        page.get_by_role("heading", name="ADHD (ASRS v1.1): Consistent with adult ADHD"),
        page.get_by_role("heading", name="Restless legs (RLS): Possibly consistent"),
    ]
    if viewport == "desktop":
        assert _bottom(button) <= FIRST_SCREEN
        assert _bottom(page.get_by_label("Review note (optional)")) <= FIRST_SCREEN
        for heading in outcomes:
            assert _bottom(heading) <= FIRST_SCREEN
        assert _bottom(page.get_by_role("heading", name="Suggested next step")) <= FIRST_SCREEN
    # The answers are folded away in <details>, which opens without JavaScript.
    assert not page.get_by_role("cell", name=QUESTION).is_visible()
    assert_accessible(page, "clinician-screening")

    page.get_by_label("Review note (optional)").fill("First look: refer to sleep clinic.")
    button.click()
    page.get_by_label("Review note (optional)").fill("Ferritin requested.")
    page.get_by_role("button", name="Mark as reviewed again").click()
    history = page.locator(".review-history li")
    assert history.count() == 2
    assert "Ferritin requested." in history.nth(0).inner_text()
    assert "First look" in history.nth(1).inner_text()
    page.get_by_text("Answers: Adult ADHD Self-Report Scale").click()
    expect(page.get_by_role("cell", name=QUESTION)).to_be_visible()
    assert_accessible(page, "clinician-screening-reviewed")


def test_the_page_works_without_javascript(browser, live_app, live_server):
    window = {"width": 1280, "height": FIRST_SCREEN}
    context = browser.new_context(viewport=window, java_script_enabled=False)
    page = context.new_page()
    try:
        screening_id, _ = submitted_screening(live_app, adhd="often", rls_answers=rls())
        make_user(live_app, "doc@clinic.example", "clinician")
        _sign_in(page, live_server)
        page.goto(f"{live_server}/clinician/screenings/{screening_id}")
        page.get_by_label("Review note (optional)").fill("Seen without scripts.")
        page.get_by_role("button", name="Mark as reviewed").click()
        assert "Seen without scripts." in page.locator(".review-history").inner_text()
        assert not page.get_by_role("cell", name=QUESTION).is_visible()
        page.get_by_text("Answers: Adult ADHD Self-Report Scale").click()
        expect(page.get_by_role("cell", name=QUESTION)).to_be_visible()
    finally:
        context.close()
