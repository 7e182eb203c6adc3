"""A series' trend in Chromium: the patient's results (through their private link) and
the clinician page, at 360 and 1280 px, accessible and without sideways scrolling."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.auth_helpers import PASSWORD, make_user
from tests.browser.conftest import SCREENSHOTS, assert_accessible
from tests.series_helpers import submit_series


def _series(live_app) -> tuple[int, str]:
    with live_app.app_context():
        screening, token = submit_series()[-1]
        return screening.id, token


def _check_trend(page, name: str) -> None:
    chart = page.locator("svg.trend-chart")
    expect(chart).to_be_visible()
    assert chart.get_attribute("role") == "img"
    assert "No clear change" in chart.inner_html()
    expect(page.locator("table.trend-table")).to_have_count(3)
    # The chart keeps a legible size; on a phone its figure scrolls, not the page.
    box = page.locator("figure.trend-figure").bounding_box()
    assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"]
    # The trend alone, to look at.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.locator("section.trend").screenshot(path=str(SCREENSHOTS / f"{name}-only-{width}.png"))


def test_the_patient_sees_the_trend_through_their_link(live_app, live_server, phone, desktop):
    _, token = _series(live_app)
    for page in (phone, desktop):
        page.goto(f"{live_server}/screen/resume/{token}")
        page.locator("form button[type=submit]").first.click()
        expect(page.get_by_role("heading", name="Your results over time")).to_be_visible()
        _check_trend(page, "series-trend-patient")
        page.get_by_role("heading", name="Your results over time").scroll_into_view_if_needed()
        assert_accessible(page, "series-trend-patient")


def test_the_clinician_sees_the_trend(live_app, live_server, phone, desktop):
    screening_id, _ = _series(live_app)
    make_user(live_app, "doc@clinic.example", ["clinician"])
    for page in (phone, desktop):
        page.goto(live_server + "/auth/login")
        page.get_by_label("Email address").fill("doc@clinic.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server}/clinician/screenings/{screening_id}")
        expect(page.get_by_role("heading", name="Over time (repeat screens)")).to_be_visible()
        _check_trend(page, "series-trend-clinician")
        assert_accessible(page, "series-trend-clinician")
