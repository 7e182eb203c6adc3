"""An invitation end to end in Chromium: made in the portal, completed from the kiosk code
and from its link on a 360 px phone, and found by its label in the worklist."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.auth_helpers import PASSWORD, make_user
from tests.browser.conftest import assert_accessible, click_and_wait
from tests.browser.flow import answer_asrs, asrs
from tests.helpers import definition

ASRS = definition("asrs-v1.1")
LABEL = "Bed 12 <b>west</b>"


def _sign_in(page, live_server):
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email address").fill("doc@clinic.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_invite_complete_from_the_kiosk_code_and_find_the_label(
    live_app, live_server, desktop, phone
):
    make_user(live_app, "doc@clinic.example", ["clinician", "staff"])
    _sign_in(desktop, live_server)
    click_and_wait(desktop, desktop.get_by_role("link", name="Invitations"))
    assert_accessible(desktop, "invitations")
    desktop.get_by_label("Label (optional)").fill(LABEL)
    for box in desktop.locator('input[name="instruments"]').all():
        box.set_checked(box.get_attribute("value") == "asrs-v1.1")
    desktop.get_by_role("button", name="Make invitation").click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("is ready")
    assert_accessible(desktop, "invitation-letter")
    code = desktop.locator(".big-code .code").inner_text()

    phone.goto(live_server + "/")
    phone.get_by_label("Code from your invitation").fill(code.lower())
    phone.get_by_role("button", name="Use code").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("invites you")
    assert_accessible(phone, "invitation-patient")
    phone.get_by_label("I am 18 or over").check()
    phone.get_by_role("button", name="Start").click()
    phone.get_by_role("link", name="Start the questions").click()
    answer_asrs(phone, asrs(["often"] * 6), ASRS)
    phone.get_by_role("button", name="Submit and see my results").click()
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert "/screen/results" in phone.url

    # The landing page with a wrong code: a clear message at the field, still accessible.
    phone.goto(live_server + "/")
    phone.get_by_label("Code from your invitation").fill("ACDE-FHJK")
    phone.get_by_role("button", name="Use code").click()
    expect(phone.locator("#code-error")).to_contain_text("No invitation has this code")
    assert_accessible(phone, "invitation-code-unknown")

    desktop.goto(live_server + "/clinician/")
    expect(desktop.get_by_role("cell", name=LABEL)).to_be_visible()
    desktop.get_by_label("Invitation label contains").fill("bed 12")
    desktop.get_by_role("button", name="Search labels").click()
    expect(desktop.get_by_text("1 screening matches")).to_be_visible()
    expect(desktop.get_by_role("cell", name=LABEL)).to_be_visible()
    desktop.goto(live_server + "/invitations/?state=completed")
    expect(desktop.get_by_role("cell", name=LABEL)).to_be_visible()


def test_invite_complete_from_the_link_on_a_phone(live_app, live_server, desktop, browser):
    make_user(live_app, "doc@clinic.example", ["clinician", "staff"])
    _sign_in(desktop, live_server)
    desktop.goto(live_server + "/invitations/")
    desktop.get_by_label("Label (optional)").fill("Room 4, Tuesday")
    for box in desktop.locator('input[name="instruments"]').all():
        box.set_checked(box.get_attribute("value") == "asrs-v1.1")
    desktop.get_by_role("button", name="Make invitation").click()
    link = desktop.locator("#invitation-url").get_attribute("href")
    path = "/" + link.split("://", 1)[-1].split("/", 1)[1]

    # A fresh phone, as the patient's own: the link opens the invitation, nothing is used up.
    context = browser.new_context(viewport={"width": 360, "height": 740})
    phone = context.new_page()
    try:
        phone.goto(live_server + path)
        expect(phone.get_by_role("heading", level=1)).to_contain_text("invites you")
        assert_accessible(phone, "invitation-link-360")
        phone.get_by_label("I am 18 or over").check()
        phone.get_by_role("button", name="Start").click()
        phone.get_by_role("link", name="Start the questions").click()
        answer_asrs(phone, asrs(["never"] * 6), ASRS)
        phone.get_by_role("button", name="Submit and see my results").click()
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        assert "/screen/results" in phone.url
        assert_accessible(phone, "invitation-link-results-360")
        # The same link afterwards says plainly that it was used.
        phone.goto(live_server + path)
        expect(phone.get_by_role("heading", level=1)).to_have_text("This invitation has been used")
    finally:
        context.close()
    desktop.goto(live_server + "/clinician/")
    expect(desktop.get_by_role("cell", name="Room 4, Tuesday")).to_be_visible()


def test_a_series_is_made_listed_and_revoked_in_the_portal(live_app, live_server, phone, desktop):
    """A series from the portal's form, its list at both widths (one series action,
    accessible), then revoked from the phone: every open invitation of it ends."""
    make_user(live_app, "doc@clinic.example", ["clinician", "staff"])
    for page in (desktop, phone):
        _sign_in(page, live_server)
    desktop.goto(live_server + "/invitations/")
    desktop.get_by_label("Label (optional)").fill("Iron follow-up")
    desktop.get_by_label("Repeat every (weeks)").fill("4")
    desktop.get_by_label("Number of screenings").fill("3")
    desktop.get_by_role("button", name="Make invitation").click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("ready")

    # One series action in the list at a desktop's width; on a phone the actions are
    # on each invitation's page.
    for page, actions in ((desktop, 1), (phone, 0)):
        page.goto(live_server + "/invitations/")
        revoke_rest = page.get_by_role("link", name="Revoke the rest of series 1")
        expect(revoke_rest).to_have_count(actions)
        assert_accessible(page, "invitations-series")
    click_and_wait(phone, phone.get_by_role("link", name="Invitation 1", exact=True))
    # Revoking asks first, on a page of its own; the button there does it.
    click_and_wait(phone, phone.get_by_role("link", name="Revoke the rest of series 1"))
    assert_accessible(phone, "invitations-series-revoke-confirm")
    click_and_wait(phone, phone.get_by_role("button", name="Revoke the rest of series 1"))
    expect(phone.get_by_text("Series 1 is revoked")).to_be_visible()
    expect(phone.get_by_role("cell", name="Revoked")).to_have_count(3)
    expect(phone.get_by_role("link", name="Revoke the rest of series 1")).to_have_count(0)
    assert_accessible(phone, "invitations-series-revoked")


def test_an_invitation_is_emailed_from_a_phone(live_app, live_server, phone):
    """With SMTP set up, the form asks for an address; the letter and the list say the
    e-mail went (a real SMTP server on loopback received it)."""
    from aiosmtpd.controller import Controller

    from tests.test_invitation_email import Inbox, _free_port

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    server.start()
    try:
        live_app.config.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=server.port,
            SMTP_SECURITY="none",
            SMTP_FROM="screening@clinic.example",
        )
        make_user(live_app, "doc@clinic.example", ["clinician", "staff"])
        _sign_in(phone, live_server)
        phone.goto(live_server + "/invitations/")
        phone.get_by_label("Patient's e-mail address (optional)").fill("pat@example.com")
        assert_accessible(phone, "invitations-email-form")
        click_and_wait(phone, phone.get_by_role("button", name="Make invitation"))
        expect(phone.get_by_text("E-mailed.")).to_be_visible()
        assert_accessible(phone, "invitation-letter-emailed")
        assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "pat@example.com"
        phone.goto(live_server + "/invitations/")
        # On a phone what became of the e-mail is said under the invitation's state.
        expect(phone.get_by_role("cell", name="Issued E-mailed")).to_be_visible()
        click_and_wait(phone, phone.get_by_role("link", name="Invitation 1", exact=True))
        expect(phone.get_by_text("E-mailed", exact=True)).to_be_visible()
    finally:
        server.stop()
