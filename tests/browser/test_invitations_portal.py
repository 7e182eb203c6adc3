"""The invitations portal's layout in Chromium: number boxes of touch size, the staff
home's table and the invitations list within a phone's width, the series letter on one
A4 page, each invitation's page, and the revoke confirmation accessible."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.auth_helpers import PASSWORD, make_user
from tests.browser.conftest import assert_accessible, click_and_wait, screenshot


def _sign_in(page, base, email):
    page.goto(base + "/auth/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in"))


def _make_series(page, base, times="3"):
    page.goto(base + "/invitations/")
    page.get_by_label("Label (optional)").fill("Iron follow-up")
    page.get_by_label("Days until it expires").fill("14")
    page.get_by_label("Repeat every (weeks)").fill("2")
    page.get_by_label("Number of screenings").fill(times)
    click_and_wait(page, page.get_by_role("button", name="Make invitation"))


def test_number_boxes_are_as_big_as_the_text_boxes(live_app, live_server, phone):
    make_user(live_app, "doc@clinic.example", ["clinician", "staff"])
    _sign_in(phone, live_server, "doc@clinic.example")
    phone.goto(live_server + "/invitations/")
    sizes = phone.evaluate(
        """() => Object.fromEntries(['label', 'days', 'every_weeks', 'times'].map(id => {
             const box = document.getElementById(id), r = box.getBoundingClientRect();
             return [id, [r.width, r.height, getComputedStyle(box).fontSize]]; }))"""
    )
    _, text_height, text_font = sizes.pop("label")
    for name, (width, height, font) in sizes.items():
        assert height >= 24 and abs(height - text_height) < 1, (name, height, text_height)
        assert font == text_font, (name, font)
        assert width >= 80, (name, width)  # three digits and the spin buttons


def test_the_staff_home_fits_a_phone(live_app, live_server, phone):
    make_user(live_app, "staff@clinic.example", "staff")
    _sign_in(phone, live_server, "staff@clinic.example")
    phone.goto(live_server + "/staff/")
    box, table = phone.evaluate(
        """() => [document.querySelector('.table-wrap').clientWidth,
                  document.querySelector('.table-wrap').scrollWidth]"""
    )
    assert table <= box, f"the table is {table}px wide in a {box}px box"
    header = phone.get_by_role("columnheader", name="Actions").bounding_box()
    assert header["x"] + header["width"] <= 360 - 16
    assert_accessible(phone, "staff-home-phone")


def test_a_series_letter_prints_on_one_a4_page(live_app, live_server, desktop):
    make_user(live_app, "doc@clinic.example", ["clinician", "staff"])
    _sign_in(desktop, live_server, "doc@clinic.example")
    for times in ("3", "12"):
        _make_series(desktop, live_server, times)
        pdf = PdfReader(io.BytesIO(desktop.pdf(format="A4")))
        text = pdf.pages[0].extract_text()
        assert len(pdf.pages) == 1, (times, len(pdf.pages))
        assert f"You will do this screening {times} times" in text
        assert "Keep the link and the code private" in text
        assert "revoke the rest" not in text  # the note for the clinic is not printed


def test_revoking_asks_first_and_the_pages_are_accessible(live_app, live_server, phone):
    make_user(live_app, "doc@clinic.example", ["clinician", "staff"])
    _sign_in(phone, live_server, "doc@clinic.example")
    _make_series(phone, live_server)
    phone.goto(live_server + "/invitations/")
    # On a phone the list leaves the actions to each invitation's own page.
    assert phone.get_by_role("link", name="Revoke invitation 1", exact=True).count() == 0
    click_and_wait(phone, phone.get_by_role("link", name="Invitation 1", exact=True))
    click_and_wait(phone, phone.get_by_role("link", name="Revoke invitation 1", exact=True))
    assert re.search(r"/invitations/1/revoke$", phone.url)
    assert_accessible(phone, "invitation-revoke-confirm")
    click_and_wait(phone, phone.get_by_role("link", name="Cancel"))
    # Back on the invitation's page, unchanged.
    assert phone.get_by_role("heading", level=1).inner_text() == "Invitation 1"
    assert phone.locator(".invitation-state .tag").inner_text() == "Issued"

    phone.goto(live_server + "/invitations/1")
    click_and_wait(phone, phone.get_by_role("link", name="Revoke the rest of series 1"))
    assert_accessible(phone, "invitation-series-revoke-confirm")
    click_and_wait(phone, phone.get_by_role("button", name="Revoke the rest of series 1"))
    assert phone.get_by_text("Series 1 is revoked").is_visible()
    assert phone.get_by_role("cell", name="Revoked").count() == 3
    phone.goto(live_server + "/invitations/series/1/revoke")
    assert phone.get_by_role("heading", level=1).inner_text() == "Series 1 has already ended"
    assert_accessible(phone, "invitation-series-revoke-ended")
    phone.goto(live_server + "/invitations/?state=bogus")
    assert_accessible(phone, "invitations-state-error")


def test_the_list_fits_a_phone_and_each_invitation_has_its_page(
    live_app, live_server, phone, desktop
):
    make_user(live_app, "doc@clinic.example", ["clinician", "staff"])
    for page in (phone, desktop):
        _sign_in(page, live_server, "doc@clinic.example")
    _make_series(desktop, live_server)
    desktop.goto(live_server + "/invitations/")
    desktop.get_by_label("Label (optional)").fill("A long clinic reference: MRN 0012345678, bed 14")
    desktop.get_by_label("Days until it expires").fill("14")
    click_and_wait(desktop, desktop.get_by_role("button", name="Make invitation"))

    phone.goto(live_server + "/invitations/")
    screenshot(phone, "invitations-list-phone")
    box, table = phone.evaluate(
        """() => [document.querySelector('.invitation-list').parentElement.clientWidth,
                  document.querySelector('.invitation-list').scrollWidth]"""
    )
    assert table <= box, f"the list is {table}px wide in a {box}px box"
    assert phone.get_by_role("columnheader", name="Made by").count() == 0
    assert phone.get_by_role("columnheader", name="Expires").is_visible()
    # At a desktop's width every column and the actions are in the list itself.
    desktop.goto(live_server + "/invitations/")
    assert desktop.get_by_role("columnheader", name="Made by").is_visible()
    assert desktop.get_by_role("link", name="Revoke invitation 4", exact=True).is_visible()

    # A label search (a POST: the label is in no URL) shows its matches alone.
    for page, name in ((phone, "phone"), (desktop, "desktop")):
        page.goto(live_server + "/invitations/")
        page.get_by_label("Label contains").fill("long CLINIC")
        click_and_wait(page, page.get_by_role("button", name="Search labels"))
        assert page.get_by_role("status").inner_text() == "1 invitation matches."
        assert page.get_by_role("link", name="Invitation 4", exact=True).is_visible()
        assert page.get_by_role("link", name="Invitation 1", exact=True).count() == 0
        assert page.url.endswith("/invitations/label")
        assert_accessible(page, f"invitations-label-search-{name}")

    for page, name in ((phone, "phone"), (desktop, "desktop")):
        page.goto(live_server + "/invitations/")
        click_and_wait(page, page.get_by_role("link", name="Invitation 2", exact=True))
        assert page.get_by_role("heading", level=1).inner_text() == "Invitation 2"
        assert page.get_by_text("Screening 2 of 3: this invitation (2)").is_visible()
        assert page.get_by_text("Made, with the rest of its series (invitation 1)").is_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], (name, width)
        assert_accessible(page, f"invitation-detail-{name}")
