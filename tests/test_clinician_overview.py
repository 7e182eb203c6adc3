"""The overview at the top of the clinician's page: short factual lines, not the patient's."""

from __future__ import annotations

import re
from html import unescape

import pytest

from screener.domains import _ranges, counts
from tests.auth_helpers import signed_in, submitted_screening
from tests.helpers import asrs, definition, rls
from tests.report_helpers import submit_with_token


def _overview(html: str) -> str:
    part = html.split('class="overview"', 1)[1].split("More detail", 1)[0]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", part)))


@pytest.fixture
def clinician(app):
    return signed_in(app, "doc@clinic.example", "clinician")


def test_the_domain_split_is_the_dsm_iv_one_and_covers_every_item_once():
    inattention, hyperactivity = definition("asrs-v1.1").domains.groups
    numbers = {f"q{n}" for n in range(1, 19)}
    assert set(inattention.items) | set(hyperactivity.items) == numbers
    assert not set(inattention.items) & set(hyperactivity.items)
    assert set(inattention.items) == {f"q{n}" for n in (1, 2, 3, 4, 7, 8, 9, 10, 11)}
    assert _ranges([5, 6, 12, 13, 14, 15, 16, 17, 18]) == "5, 6, 12–18"


def test_shaded_answers_are_counted_by_domain_and_part():
    # Part A: shaded 1-4 (inattention); Part B: q7, q8 shaded (inattention), q13 (hyperactivity).
    part_b = ["often", "often"] + ["never"] * 4 + ["very_often"] + ["never"] * 5
    answers = asrs(["often"] * 4 + ["never", "never"], part_b)
    inattention, hyperactivity = counts(definition("asrs-v1.1"), answers)
    assert inattention.caption == "6 of 9 shaded (Part A 4 of 4, Part B 2 of 5)"
    assert inattention.items == "items 1–4, 7–11" and inattention.shaded_items == (1, 2, 3, 4, 7, 8)
    assert hyperactivity.caption == "1 of 9 shaded (Part A 0 of 2, Part B 1 of 7)"
    assert counts(definition("rls-irlssg"), {}) == ()


def test_overview_lines_for_a_both_positive_screening(app, clinician):
    screening_id, _ = submitted_screening(app, adhd="often", rls_answers=rls(medicine="yes"))
    html = clinician.get(f"/clinician/screenings/{screening_id}").get_data(as_text=True)
    top = _overview(html)
    assert "ADHD (ASRS v1.1): Consistent with adult ADHD" in top
    assert "Part A: 6 of 6 answers in the shaded boxes (cut-off: 4 or more)" in top
    assert "Part B shaded answers (no cut-off): 0 of 12" in top
    assert "Inattention (items 1–4, 7–11): 4 of 9 shaded" in top
    assert "Hyperactivity/impulsivity (items 5, 6, 12–18): 2 of 9 shaded" in top
    assert "Criteria: 4 of 4 main features (all 4 are needed); no other cause reported" in top
    assert "How often (past year): 2 or more times a week on average" in top
    assert "Medicine for restless legs now: Takes medicine for restless legs now" in top
    # The next steps are the texts' cited clinician paragraphs, in their order.
    assert "ADHD: Part A at or above the cut-off" in top
    assert "Restless legs: Confirm against the IRLSSG criteria" in top
    assert top.index("ADHD: Part A at") < top.index("Restless legs: Confirm")
    assert "ferritin and transferrin saturation, ideally in the morning" in top
    assert "A note for the clinician" in top
    # The patient's voice stays below, folded.
    assert "Bring this summary" not in top and "You told us" not in top
    assert "<details" in html and "Bring this summary to your appointment" in html
    # The review comes before the outcomes in reading order.
    assert html.index("Mark as reviewed") < html.index("Consistent with adult ADHD")


def test_overview_for_a_negative_screening_with_an_iron_test(app, clinician):
    answers = {
        "asrs-v1.1": asrs(["never"] * 6),
        "rls-irlssg": rls(gate="no"),
        "iron-context": {
            "risk_factors": ["heavy_periods"],
            "family_rls": "no",
            "ferritin": "32,5",
            "ferritin_month": "m03",
            "ferritin_year": 2026,
        },
    }
    with app.app_context():
        screening, _ = submit_with_token(answers)
        screening_id = screening.id
    html = clinician.get(f"/clinician/screenings/{screening_id}").get_data(as_text=True)
    top = _overview(html)
    assert "Not consistent with adult ADHD" in top
    assert "Criteria: Not asked (the screening question was answered no)" in top
    assert "Heavy periods or fibroids" in top
    assert "Ferritin: 32.5 µg/L (March 2026) · Ferritin 75 µg/L or below" in top
    # 75 µg/L is the threshold for people with restless legs; with RLS not in play the
    # result is shown, but it is no reason "whatever the screens show".
    assert "Discuss whatever the screens show" not in top
    assert not re.search(r"\b0 of \d+ (criteria|main features)", top)
