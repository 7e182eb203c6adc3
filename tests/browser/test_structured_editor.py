"""The structured editor in Chromium with JavaScript switched off: edit a question's
wording and an option label, preview the unsaved change, save, publish, and check that a
screening submitted earlier still shows and prints its old wording."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from screener.services import content, editing
from tests.auth_helpers import PASSWORD, make_user, submitted_screening
from tests.browser.conftest import assert_accessible, click_and_wait, screenshot

# axe-core runs as a script, so the pages are checked with JavaScript on in a second test;
# the walk-through without JavaScript saves each page to look at.

ASRS = "asrs-v1.1"
OLD_Q1 = "How often do you have trouble wrapping up the final details of a project"
NEW_Q1 = "How often do you find it hard to finish the last details of a project?"
Q1 = "#f-sections-0-items-0-text"
# "Often" in the shared options that questions 1 to 3 use (the fourth option).
OFTEN = "#f-option_sets-from_sometimes-3-label"


@pytest.fixture(params=[360, 1280], ids=["phone", "desktop"])
def no_script_page(request, browser):
    context = browser.new_context(
        viewport={"width": request.param, "height": 800}, java_script_enabled=False
    )
    yield context.new_page()
    context.close()


def sign_in(page, server: str, email: str) -> None:
    page.goto(server + "/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def pdf_words(page, url: str) -> str:
    response = page.request.get(url)
    assert response.status == 200
    reader = PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())


def test_structured_edit_without_javascript(no_script_page, live_app, live_server):
    page, server = no_script_page, live_server
    before, _ = submitted_screening(live_app, adhd="often")
    make_user(live_app, "editor@example.org", "staff")
    make_user(live_app, "doc@example.org", "clinician")
    sign_in(page, server, "editor@example.org")

    page.goto(server + "/staff/")
    page.get_by_role("link", name="Edit Adult ADHD Self-Report Scale").click()
    expect(page.locator(Q1)).to_have_value(OLD_Q1 + ", once the challenging parts have been done?")
    screenshot(page, "structured-editor-nojs")

    page.fill(Q1, NEW_Q1)
    page.fill(OFTEN, "Usually")
    page.get_by_role("button", name="Preview unsaved changes").first.click()
    expect(page.get_by_text("Nothing is saved yet")).to_be_visible()
    expect(page.get_by_text(NEW_Q1)).to_be_visible()
    expect(page.get_by_text("Usually").first).to_be_visible()
    screenshot(page, "structured-preview-nojs")
    click_and_wait(page, page.get_by_role("button", name="Show at phone width"))
    expect(page.locator(".phone-frame")).to_be_visible()
    screenshot(page, "structured-preview-phone-nojs")
    with live_app.app_context():
        assert editing.head(ASRS).revision == 1  # previewing stored nothing

    page.get_by_role("button", name="Back to editing").click()
    expect(page.locator(Q1)).to_have_value(NEW_Q1)
    expect(page.locator(OFTEN)).to_have_value("Usually")
    page.fill("#note", "Plainer wording")
    page.get_by_role("button", name="Save as draft").last.click()
    # The ASRS's terms keep its wording unaltered: saving asks for a confirmation first.
    expect(
        page.get_by_role("heading", name="Confirm changes to a validated instrument")
    ).to_be_visible()
    screenshot(page, "structured-confirm-nojs")
    page.get_by_label("I confirm that this changes the wording").check()
    page.get_by_role("button", name="Save as draft").last.click()
    expect(page.get_by_role("heading", name="Publish this draft")).to_be_visible()

    page.get_by_role("link", name="See what changed").click()
    expect(page.get_by_text("Question 1 (q1) wording")).to_be_visible()
    expect(page.get_by_text("option label")).to_be_visible()
    screenshot(page, "structured-diff-nojs")
    page.go_back()
    page.get_by_role("button", name="Publish revision 2").click()
    expect(page.get_by_text("Revision 2 is live")).to_be_visible()
    with live_app.app_context():
        assert content.live_version(ASRS).revision == 2

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, "doc@example.org")
    page.goto(f"{server}/clinician/screenings/{before}")
    page.get_by_text("Answers: Adult ADHD Self-Report Scale").click()
    expect(page.get_by_role("cell", name=OLD_Q1 + ", once", exact=False)).to_be_visible()
    answers = page.locator("table").filter(has_text=OLD_Q1).inner_text()
    assert "Often" in answers and "Usually" not in answers and NEW_Q1 not in answers
    words = pdf_words(page, f"{server}/clinician/screenings/{before}/pdf")
    assert "wrapping up the final details" in words and "finish the last details" not in words
    assert "Usually" not in words
    screenshot(page, "structured-old-screening")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_structured_pages_are_accessible(request, live_app, live_server, viewport):
    page = request.getfixturevalue(viewport)
    make_user(live_app, "editor@example.org", "staff")
    sign_in(page, live_server, "editor@example.org")
    page.goto(f"{live_server}/staff/definitions/{ASRS}/structured")
    assert_accessible(page, "structured-editor")
    page.fill(Q1, NEW_Q1)
    page.fill(OFTEN, "")
    page.get_by_role("button", name="Preview unsaved changes").first.click()
    expect(page.get_by_text("problem to fix")).to_be_visible()
    assert_accessible(page, "structured-problem")
    page.fill(OFTEN, "Usually")
    page.get_by_role("button", name="Preview unsaved changes").first.click()
    expect(page.get_by_text(NEW_Q1)).to_be_visible()
    assert_accessible(page, "structured-preview")
    page.get_by_role("button", name="Show at phone width").click()
    assert_accessible(page, "structured-preview-phone")
    page.get_by_role("button", name="Save as draft").click()
    expect(
        page.get_by_role("heading", name="Confirm changes to a validated instrument")
    ).to_be_visible()
    assert_accessible(page, "structured-confirm")
    page.get_by_label("I confirm that this changes the wording").check()
    page.get_by_role("button", name="Save as draft").last.click()
    page.get_by_role("link", name="See what changed").click()
    expect(page.get_by_text("Question 1 (q1) wording")).to_be_visible()
    assert_accessible(page, "structured-diff")
    page.go_back()
    click_and_wait(page, page.get_by_role("link", name="Discard this draft"))
    assert_accessible(page, "discard")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Discard the draft").click()
    expect(page.get_by_text("was discarded")).to_be_visible()
    with live_app.app_context():
        assert editing.head(ASRS).revision == 1
    page.goto(f"{live_server}/staff/definitions/texts/structured")
    expect(page.get_by_role("button", name="Add a reference")).to_be_visible()
    assert_accessible(page, "structured-texts")
    page.goto(f"{live_server}/staff/definitions/iron-context/structured")
    expect(page.get_by_role("group", name="Scoring")).to_be_visible()
    assert_accessible(page, "structured-iron")


def test_a_yaml_problem_link_puts_the_cursor_on_its_line(desktop, live_app, live_server):
    page = desktop
    make_user(live_app, "editor@example.org", "staff")
    sign_in(page, live_server, "editor@example.org")
    page.goto(f"{live_server}/staff/definitions/{ASRS}/edit")
    text = page.input_value("#source").replace("kind: screen\n", "kind: screen\nkindd: screen\n")
    page.fill("#source", text)
    page.get_by_role("button", name="Save as draft").click()
    link = page.get_by_role("link", name="Line 12, column 1:")
    expect(link).to_be_visible()
    assert_accessible(page, "yaml-problem")
    link.click()
    selected = page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.id + ':' + e.value.slice(e.selectionStart, e.selectionEnd); }"
    )
    assert selected == "source:kindd: screen"
