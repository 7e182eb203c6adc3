"""The patient flow in Chromium: phone and desktop, keyboard only, resume, axe."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, click_and_wait
from tests.browser.flow import answer_asrs, answer_iron, answer_rls, start
from tests.helpers import asrs, definition, rls

ASRS = definition("asrs-v1.1")
RLS = definition("rls-irlssg")


def cli_score(answers: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "screener.cli", "score", "/dev/stdin"],
        input=json.dumps(answers),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_both_screeners_end_to_end_agree_with_the_cli(request, live_server, viewport):
    page = request.getfixturevalue(viewport)
    page.goto(live_server + "/")
    assert_accessible(page, "landing")
    start(page, live_server)
    adhd = asrs(["sometimes", "sometimes", "sometimes", "often", "never", "rarely"], "often")
    legs = rls(causes={"cramps": "unsure"}, frequency="weekly")
    assert_accessible(page, "step-asrs-part-a")
    answer_asrs(page, adhd, ASRS)
    answer_rls(page, legs, RLS)
    assert_accessible(page, "step-iron")
    answer_iron(page, ["I have heavy periods or fibroids"], "No", "42")
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    assert_accessible(page, "review")
    page.get_by_role("button", name="Submit and see my results").click()
    expect(page.get_by_role("heading", name="Your results", exact=True)).to_be_visible()
    assert_accessible(page, "results")

    expected = cli_score({"asrs-v1.1": adhd, "rls-irlssg": legs})
    assert expected["asrs-v1.1"]["outcome"] == "consistent"
    assert expected["rls-irlssg"]["outcome"] == "possible"
    body = page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF summary").click()
    code = page.locator("main .code").first.inner_text()
    assert download.value.suggested_filename == f"screening-summary-{code}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert "Consistent with adult ADHD" in body
    assert "4 of the first 6 answers were in the range that counts" in body
    assert "Possibly consistent with restless legs syndrome" in body
    assert "Why ADHD and restless legs often go together" in body
    assert "Your iron test result" in body
    assert "You entered a ferritin result of 42 µg/L" in body
    assert "Things that can lower iron" in body


def test_adhd_only(phone, live_server):
    start(phone, live_server, rls_=False, iron=False)
    answer_asrs(phone, asrs(["never"] * 6), ASRS)
    phone.get_by_role("button", name="Submit and see my results").click()
    body = phone.locator("main").inner_text()
    assert "Not consistent with adult ADHD" in body
    assert "missed about 3 in 10 adults" in body
    assert phone.locator(".result-card").count() == 1


def test_rls_only_gate_no_skips_the_criteria(phone, live_server):
    start(phone, live_server, adhd=False, iron=False)
    assert "Step 1 of up to 4" in phone.locator("main").inner_text()
    answer_rls(phone, rls(gate="no"), RLS)
    review = phone.locator("main").inner_text()
    assert "urge to move your legs" not in review
    phone.get_by_role("button", name="Submit and see my results").click()
    assert "Not consistent with restless legs syndrome" in phone.locator("main").inner_text()


def test_gate_yes_adds_the_criteria_pages(phone, live_server):
    start(phone, live_server, adhd=False, iron=False)
    phone.get_by_role("group", name=re.compile("When you try to relax")).get_by_label("Yes").check()
    phone.get_by_role("group", name=re.compile("medicine for restless legs")).get_by_label(
        "No"
    ).check()
    phone.get_by_role("button", name="Continue").click()
    assert "Step 2 of 4" in phone.locator("main").inner_text()


def test_resume_after_closing_the_browser(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    start(page, live_server)
    answers = asrs(["often"] * 6, "rarely")
    for item in ASRS.sections[0].items:
        page.get_by_role("group", name=item.text).get_by_label("Often", exact=True).check()
    click_and_wait(page, page.get_by_role("button", name="Continue"))
    click_and_wait(page, page.get_by_role("button", name="Back"))
    page.goto(live_server + "/screen/started")
    link = page.locator(".resume-link a").get_attribute("href")
    context.close()  # the browser is closed: cookies are gone

    fresh = browser.new_context(viewport={"width": 360, "height": 740})
    page = fresh.new_page()
    page.goto(link)  # opening the link asks first, and changes nothing until then
    assert_accessible(page, "resume")
    click_and_wait(page, page.get_by_role("button", name="Continue where I left off"))
    assert "Step 2 of" in page.locator("main").inner_text()
    click_and_wait(page, page.get_by_role("button", name="Back"))
    for item in ASRS.sections[0].items:
        assert (
            page.get_by_role("group", name=item.text).get_by_label("Often", exact=True).is_checked()
        )
    page.goto(link)
    page.get_by_role("button", name="Continue where I left off").click()
    for item in ASRS.sections[1].items:
        page.get_by_role("group", name=item.text).get_by_label("Rarely", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    assert answers  # Part B answered after resuming
    expect(page.get_by_role("group", name=re.compile("When you try to relax"))).to_be_visible()
    fresh.close()


def test_a_link_to_a_screening_not_begun_asks_for_consent(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_label("I am 18 or over").check()
    page.get_by_role("button", name="Start").click()
    link = page.locator(".resume-link a").get_attribute("href")
    context.close()

    fresh = browser.new_context(viewport={"width": 360, "height": 740})
    page = fresh.new_page()
    page.goto(link)
    click_and_wait(page, page.get_by_role("button", name="Start"))  # without agreeing
    assert "Tick the box to say you agree" in page.locator("main").inner_text()
    assert_accessible(page, "resume-consent")
    page.get_by_label("I am 18 or over").check()
    page.get_by_role("button", name="Start").click()
    assert "Step 1 of" in page.locator("main").inner_text()
    fresh.close()


def test_back_after_submit_and_double_submit_give_one_submission(phone, live_server, live_app):
    start(phone, live_server, rls_=False, iron=False)
    answer_asrs(phone, asrs(["often"] * 6), ASRS)
    submit = phone.get_by_role("button", name="Submit and see my results")
    submit.dblclick()
    # The second click's navigation can abort the first's (net::ERR_ABORTED): wait for
    # whichever of the two lands.
    for attempt in range(3):
        try:
            phone.wait_for_url(re.compile("/screen/results"))
            break
        except PlaywrightError as exc:
            if "ERR_ABORTED" not in str(exc) or attempt == 2:
                raise
    phone.go_back()
    phone.goto(live_server + "/screen/review")
    assert phone.url.endswith("/screen/results")
    with live_app.app_context():
        from sqlalchemy import func, select

        from screener.extensions import db
        from screener.models import Screening, ScreeningResult

        assert db.session.scalar(select(func.count()).select_from(Screening)) == 1
        assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 1


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches ``selector``, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def enter(page) -> None:
    """Press Enter on the focused button or link and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_only_completion_on_a_phone(phone, live_server):
    """Tab to each control, Space or arrow keys to answer, Enter on buttons and links."""
    page = phone
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    enter(page)
    tab_to(page, "a.button")
    enter(page)

    def answer_page(option_index: int) -> None:
        names = page.eval_on_selector_all(
            "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
        )
        for name in names:
            tab_to(page, f"input[name={name}]")
            if option_index == 0:
                page.keyboard.press("Space")
            for _ in range(option_index):
                page.keyboard.press("ArrowDown")
        tab_to(page, "button[type=submit]")
        enter(page)

    answer_page(3)  # ASRS Part A: "Often" on every item
    answer_page(0)  # Part B: "Never"
    answer_page(0)  # RLS gate and medicine for the legs: "Yes"
    answer_page(1)  # the criteria: "No" to each
    answer_page(1)  # other causes: "No" to each
    answer_page(1)  # how often ("1 to 3 times a month") and impact ("No")
    assert "Step 7 of 7" in page.locator("main").inner_text()
    # The iron page: tick "None of these", answer family history, skip ferritin.
    tab_to(page, "input[value=none]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=family_rls]")
    page.keyboard.press("ArrowDown")  # "No"
    tab_to(page, "button[type=submit]")
    enter(page)
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    tab_to(page, "button[type=submit]")
    enter(page)
    body = page.locator("main").inner_text()
    assert "Consistent with adult ADHD" in body
    assert "Not consistent with restless legs syndrome" in body


def test_errors_are_summarised_linked_and_focused(phone, live_server):
    start(phone, live_server)
    phone.get_by_role("group", name=ASRS.item("q1").text).get_by_label("Often", exact=True).check()
    click_and_wait(phone, phone.get_by_role("button", name="Continue"))
    summary = phone.locator(".error-summary")
    expect(summary).to_be_visible()
    # Focus moves once the page has loaded (autofocus): wait for it rather than race it.
    expect(summary).to_be_focused()
    assert summary.get_by_role("link").count() == 5
    assert (
        phone.get_by_role("group", name=ASRS.item("q1").text)
        .get_by_label("Often", exact=True)
        .is_checked()
    )
    assert_accessible(phone, "step-errors")


def test_works_with_javascript_disabled(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    start(page, live_server, rls_=False, iron=False)
    answer_asrs(page, asrs(["often"] * 6), ASRS)
    page.get_by_role("button", name="Submit and see my results").click()
    assert "Consistent with adult ADHD" in page.locator("main").inner_text()
    context.close()
