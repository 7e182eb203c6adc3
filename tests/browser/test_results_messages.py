"""The results page for a negative, a possible and a both-positive screening, as a phone
shows them: accessible, no sideways scrolling, and the words that matter visible."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.helpers import asrs, rls
from tests.report_helpers import NEGATIVE_ON_MEDICINE, submit_with_token

CASES = {
    "negative": (
        NEGATIVE_ON_MEDICINE,
        [
            "Not consistent with adult ADHD",
            "Talk to a clinician about what you told us",
            "Takes medicine for restless legs now",
            "You entered a ferritin result of 32.5 µg/L, from a test in February 2025.",
        ],
    ),
    "possible": (
        {
            "asrs-v1.1": asrs(["often"] * 6),
            "rls-irlssg": rls(causes={"cramps": "yes"}),
            "iron-context": {"risk_factors": ["none"], "family_rls": "unsure", "tsat": 15},
        },
        [
            "Possibly consistent with restless legs syndrome",
            "consistent with adult ADHD, and possibly with restless legs",
            "You told us about another possible cause.",
        ],
    ),
    "both": (
        {
            "asrs-v1.1": asrs(["often"] * 6),
            "rls-irlssg": rls(),
            "iron-context": {"risk_factors": ["heavy_periods"], "family_rls": "yes"},
        },
        ["consistent with both ADHD and restless legs", "Things that can lower iron"],
    ),
}


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("name", list(CASES))
def test_results_page_words_at_phone_and_desktop_width(
    request, live_app, live_server, name, viewport
):
    answers, expected = CASES[name]
    with live_app.app_context():
        _, token = submit_with_token(answers)
    page = request.getfixturevalue(viewport)
    page.goto(f"{live_server}/screen/resume/{token}")
    page.get_by_role("button", name="See my results").click()
    expect(page.get_by_role("heading", name="Your results", exact=True)).to_be_visible()
    body = page.locator("main").inner_text()
    for words in expected:
        assert words in body, words
    assert "do not need to do anything" not in body.lower()
    assert_accessible(page, f"results-{name}")


def test_what_to_do_next_and_the_pdf_come_first_on_a_phone_and_print_without_buttons(
    live_app, live_server, phone
):
    """Within a screen and a half at 360 px; references folded; printing drops the buttons."""
    answers, _ = CASES["negative"]
    with live_app.app_context():
        _, token = submit_with_token(answers)
    phone.goto(f"{live_server}/screen/resume/{token}")
    phone.get_by_role("button", name="See my results").click()
    screen = phone.viewport_size["height"]
    button = phone.get_by_role("link", name="Download PDF summary").bounding_box()
    next_step = phone.get_by_role("heading", name="What to do next").bounding_box()
    assert button["y"] + button["height"] <= 1.5 * screen, button
    assert next_step["y"] <= 1.5 * screen, next_step
    assert phone.locator("details.references-list").get_attribute("open") is None
    phone.emulate_media(media="print")
    assert not phone.get_by_role("link", name="Download PDF summary").is_visible()
    assert not phone.get_by_role("button", name="Finish and close on this device").is_visible()
    pdf = phone.pdf(width="360px", height="740px")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    phone.emulate_media(media="screen")
    page_height = phone.evaluate("document.documentElement.scrollHeight")
    # Printing makes no extra, empty page beyond what the content needs.
    assert pages <= -(-page_height // 740) + 1
