"""At 360 px every patient page is short, says honestly how far there is to go, passes axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.flow import click_and_wait, start
from tests.helpers import asrs, rls

QUESTION_PAGE_MAX = 2600  # about three phone screens
REVIEW_PAGE_MAX = 3700  # about five
PROGRESS = re.compile(r"Step (\d+) of (up to )?(\d+)")

ANSWERS = {
    **asrs(["often"] * 4 + ["never"] * 2, ["sometimes"] * 6 + ["rarely"] * 6),
    **rls(gate="yes"),
    "family_rls": "no",
}


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def answer_this_page(page) -> None:
    """Tick the prepared answer for every radio group, "None of these" for the iron list."""
    names = page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    for name in names:
        page.check(f"input[name={name}][value={ANSWERS[name]}]")
    if page.locator("input[name=risk_factors][value=none]").count():
        page.check("input[name=risk_factors][value=none]")
    click_and_wait(page, page.get_by_role("button", name="Continue"))


def test_every_page_is_short_and_honest_at_360px(phone, live_server):
    start(phone, live_server)
    seen: list[tuple[int, bool, int]] = []
    heights: dict[int, int] = {}
    while "/screen/step/" in phone.url:
        text = phone.locator(".progress").inner_text()
        match = PROGRESS.search(text)
        assert match, text
        number, up_to, total = int(match[1]), bool(match[2]), int(match[3])
        assert number == len(seen) + 1
        if seen:
            assert total <= seen[-1][2], f"the total grew: {seen} then {text}"
        seen.append((number, up_to, total))
        value = phone.locator("progress").get_attribute("value")
        assert int(value) == number  # step 1 already shows progress
        assert_accessible(phone, f"p1-step-{number}")
        heights[number] = page_height(phone)
        assert heights[number] <= QUESTION_PAGE_MAX, f"step {number}: {heights[number]}px"
        answer_this_page(phone)
    # ADHD (2 pages), restless legs with the gate yes (4), iron (1).
    assert seen[0] == (1, True, 7)
    assert seen[-1] == (7, False, 7)
    # The restless-legs gate is on step 3: until it is answered the total is "up to".
    assert [up_to for _, up_to, _ in seen] == [True] * 3 + [False] * 4
    expect(phone.get_by_role("heading", name="Check your answers")).to_be_visible()
    # A section named like its questionnaire is named once ("Iron and family history").
    expect(phone.get_by_role("heading", name="Iron and family history", exact=True)).to_be_visible()
    assert_accessible(phone, "p1-review")
    review = page_height(phone)
    assert review <= REVIEW_PAGE_MAX, f"review: {review}px"
    print("heights at 360 px:", heights, "review:", review)


def test_first_page_counts_pages_a_condition_may_add(phone, live_server):
    start(phone, live_server, adhd=False, iron=False)
    assert "Step 1 of up to 4" in phone.locator(".progress").inner_text()
    assert phone.get_by_role("heading", level=1).inner_text() != ""


def test_questions_are_numbered_and_headed_for_the_patient(desktop, live_server):
    start(desktop, live_server, rls_=False, iron=False)
    heading = desktop.get_by_role("heading", level=1)
    assert heading.inner_text() == "Attention and activity (questions 1 to 6)"
    desktop.check("input[name=q1][value=often]")
    desktop.get_by_role("button", name="Continue").click()
    summary = desktop.locator(".error-summary")
    assert summary.locator("li").count() == 5
    assert summary.locator("li").first.inner_text().startswith("Question 2 (")
    assert "Your other answers on this page have been kept." in summary.inner_text()
    assert desktop.locator("#q-q2 legend").inner_text().startswith("2. ")
    assert_accessible(desktop, "p1-errors")
    for n in range(1, 7):
        desktop.check(f"input[name=q{n}][value=often]")
    desktop.get_by_role("button", name="Continue").click()
    assert "(questions 7 to 18)" in desktop.get_by_role("heading", level=1).inner_text()
    assert desktop.locator("#q-q7 legend").inner_text().startswith("7. ")
    desktop.get_by_role("button", name="Continue").click()
    summary = desktop.locator(".error-summary")
    assert summary.locator("li").first.inner_text().startswith("Question 7 (")
    assert "have been kept" not in summary.inner_text()  # nothing was answered


def test_wide_pages_look_right(desktop, live_server):
    start(desktop, live_server)
    while "/screen/step/" in desktop.url:
        number = PROGRESS.search(desktop.locator(".progress").inner_text())[1]
        assert_accessible(desktop, f"p1-step-{number}")
        answer_this_page(desktop)
    assert_accessible(desktop, "p1-review")


def test_every_step_reflows_at_320px(browser, live_server):
    """WCAG 1.4.10: 320 CSS px (a desktop page zoomed to 400 %) needs no sideways
    scrolling. The five ASRS answers share one row at 360 px; at 320 they wrap."""
    from tests.browser.conftest import screenshot

    context = browser.new_context(viewport={"width": 320, "height": 640}, device_scale_factor=1)
    page = context.new_page()
    try:
        start(page, live_server)
        steps = 0
        while "/screen/step/" in page.url:
            steps += 1
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, f"step {steps}: {width}px wide at 320px"
            if steps == 1:
                screenshot(page, "step-1-reflow")
            answer_this_page(page)
        assert steps == 7
    finally:
        context.close()


def test_the_start_page_shows_the_screening_open_on_this_device(phone, live_server):
    start(phone, live_server)
    code = phone.locator(".code").first.inner_text()
    phone.goto(live_server + "/")
    notice = phone.get_by_role("heading", name="You have a screening open on this device")
    expect(notice).to_be_visible()
    assert code in phone.locator(".notice").inner_text()
    assert_accessible(phone, "landing-open-here")
    click_and_wait(phone, phone.get_by_role("link", name="Continue that screening"))
    assert phone.url.endswith("/screen/step/1")
