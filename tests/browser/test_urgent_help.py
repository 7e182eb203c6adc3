"""The urgent-help line on a phone: visible, calm, accessible, before the next steps."""

from __future__ import annotations

from playwright.sync_api import expect

from screener import urgent_help
from screener.extensions import db
from screener.models import ClinicSettings
from tests.browser.conftest import assert_accessible
from tests.browser.flow import answer_asrs, start
from tests.helpers import asrs, definition


def test_the_urgent_help_line_reads_well_on_a_phone(phone, live_server):
    start(phone, live_server, rls_=False, iron=False)
    answer_asrs(phone, asrs(["often"] * 6), definition("asrs-v1.1"))
    phone.get_by_role("button", name="Submit and see my results").click()
    line = phone.locator("p.urgent-help")
    expect(line).to_be_visible()
    assert line.inner_text().split() == ("Need help now? " + urgent_help.DEFAULT).split()
    # First under "What to do next", and within the 360-pixel screen.
    box = line.bounding_box()
    heading = phone.get_by_role("heading", name="What to do next").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert box["y"] >= heading["y"] + heading["height"]
    assert_accessible(phone, "results-urgent-help")


def test_the_clinic_s_texts_keep_the_lines_staff_typed(live_app, phone, live_server):
    """An address or opening hours typed on several lines are shown on several lines,
    not run together into one."""
    with live_app.app_context():
        settings = db.session.get(ClinicSettings, 1)
        settings.contact = "Reception\r\nRoom 4"
        settings.urgent_help = "Call 999.\r\nOr text SHOUT to 85258."
        settings.providers = []
        db.session.commit()
    start(phone, live_server, rls_=False, iron=False)
    answer_asrs(phone, asrs(["often"] * 6), definition("asrs-v1.1"))
    phone.get_by_role("button", name="Submit and see my results").click()
    expect(phone.locator("p.urgent-help")).to_be_visible()
    assert (
        phone.locator("p.urgent-help").inner_text().endswith("Call 999.\nOr text SHOUT to 85258.")
    )
    contact = phone.get_by_text("Contact ").first
    assert contact.inner_text().endswith(": Reception\nRoom 4")
