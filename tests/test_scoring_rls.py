"""RLS: the single-question screen, the four main IRLSSG 2012 features, and the mimics.

Version 2.0 asks criterion 5 as plain questions about other causes; version 1.1 (kept
under tests/legacy) asked it as one question, and still scores its screenings as before.
"""

from __future__ import annotations

import json

import pytest

from screener.scoring.engine import asked, score
from screener.scoring.results import Outcome
from tests.helpers import CAUSES, definition, legacy, rls, rls_v11

RLS = definition("rls-irlssg")
RLS_V11 = legacy("rls-irlssg-1.1.yaml")
MAIN = ["c1_urge", "c2_rest", "c3_movement", "c4_evening"]
CAUSE_ITEMS = [f"cause_{name}" for name in CAUSES]


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        (rls(), Outcome.CONSISTENT),
        (rls(medicine="yes"), Outcome.CONSISTENT),
        (rls(gate="no"), Outcome.NOT_CONSISTENT),
        (rls(gate="no", medicine="yes"), Outcome.NOT_CONSISTENT),
        (rls(c1="no"), Outcome.NOT_CONSISTENT),
        (rls(c2="no"), Outcome.NOT_CONSISTENT),
        (rls(c3="no"), Outcome.NOT_CONSISTENT),
        (rls(c4="no"), Outcome.NOT_CONSISTENT),
        # A reported or uncertain other cause: only a clinician can tell them apart.
        *[(rls(causes={name: "yes"}), Outcome.POSSIBLE) for name in CAUSES],
        *[(rls(causes={name: "unsure"}), Outcome.POSSIBLE) for name in CAUSES],
        (rls(causes=dict.fromkeys(CAUSES, "yes")), Outcome.POSSIBLE),
        # An other cause cannot rescue a missing main feature.
        (rls(c4="no", causes={"cramps": "unsure"}), Outcome.NOT_CONSISTENT),
        (rls(c3="no", causes={"cramps": "yes"}), Outcome.NOT_CONSISTENT),
    ],
)
def test_outcomes(answers, outcome):
    assert score(RLS, answers).outcome is outcome


def test_the_score_counts_the_four_main_features_and_nothing_else():
    result = score(RLS, rls(c2="no", causes={"numbness": "yes"}))
    assert (result.score, result.main.maximum, result.threshold) == (3, 4, 4)
    assert result.main.details["screen"] == "positive"
    assert result.main.details["other_causes"] == ["cause_numbness"]
    assert score(RLS, rls(causes={"cramps": "unsure"})).main.details["other_causes_unsure"] == [
        "cause_cramps"
    ]


def test_gate_no_skips_the_criteria_and_reports_them_not_asked_rather_than_unmet():
    answers = rls(gate="no")
    assert asked(RLS, answers).asked == {"gate", "leg_medicine"}
    result = score(RLS, answers)
    assert result.complete
    assert result.score is None  # never "0 of 4"
    assert result.main.details["screen"] == "negative"
    assert [c.item_id for c in result.contributions if not c.asked] == MAIN


def test_stale_criteria_answers_are_ignored_when_the_gate_changes_to_no():
    answers = {**rls(causes={"cramps": "yes"}), "gate": "no"}
    result = score(RLS, answers)
    assert result.outcome is Outcome.NOT_CONSISTENT
    assert all(c.answer is None for c in result.contributions)
    assert result.main.details["other_causes"] == []


@pytest.mark.parametrize("item", [*MAIN, *CAUSE_ITEMS, "leg_medicine"])
def test_a_missing_answer_the_outcome_needs_is_incomplete(item):
    answers = rls()
    del answers[item]
    result = score(RLS, answers)
    if item == "leg_medicine":
        assert result.outcome is Outcome.CONSISTENT and result.missing == ("leg_medicine",)
    else:
        assert result.outcome is Outcome.INCOMPLETE
        assert result.score is None


def test_a_missing_gate_is_incomplete():
    assert score(RLS, {}).outcome is Outcome.INCOMPLETE


def test_medicine_for_the_legs_is_asked_of_everyone_and_raises_a_flag():
    for answers in (rls(medicine="yes"), rls(gate="no", medicine="yes")):
        flags = score(RLS, answers).report("medicine").details["flags"]
        assert flags == [
            {
                "id": "leg_medicine",
                "label": "Takes medicine for restless legs now",
                "means": ["treated"],
            }
        ]
    assert score(RLS, rls()).report("medicine").details["flags"] == []


@pytest.mark.parametrize(
    ("frequency", "course", "label"),
    [
        ("twice_weekly_or_more", "twice_weekly_or_more", "2 or more times a week on average"),
        ("weekly", "less_than_twice_weekly", "Less than twice a week on average"),
        ("monthly", "less_than_twice_weekly", "Less than twice a week on average"),
        ("less_than_monthly", "less_than_twice_weekly", "Less than twice a week on average"),
    ],
)
def test_course_in_plain_words_and_never_intermittent(frequency, course, label):
    result = score(RLS, rls(frequency=frequency))
    assert result.report("course").details == {"category": course, "label": label}
    assert "intermittent" not in json.dumps(result.to_json())


def test_significance_says_reported_not_clinically_significant():
    result = score(RLS, rls(impact="yes"))
    significance = result.report("significance").details
    assert significance["label"] == "Leg feelings upset you or affect daily life"
    # A reason to see a clinician whatever the outcome (rls-irlssg 2.1).
    assert significance["flags"][0]["means"] == ["affects_daily_life"]
    result = score(RLS, rls(impact="no"))
    assert result.report("significance").details["label"] == "None reported"
    assert "flags" not in result.report("significance").details
    answers = rls()
    del answers["frequency"]
    result = score(RLS, answers)
    assert result.outcome is Outcome.CONSISTENT
    assert result.missing == ("frequency",)
    assert result.report("course").details["category"] is None


def test_criteria_3_and_4_carry_the_irlssg_note_for_severe_symptoms():
    for item_id in ("c3_movement", "c4_evening"):
        assert "before it got worse" in RLS.item(item_id).text


# --- the older version keeps scoring its screenings exactly as before ---------------------


@pytest.mark.parametrize(
    ("answers", "outcome", "score_"),
    [
        (rls_v11(), Outcome.CONSISTENT, 6),
        (rls_v11(c5="unsure"), Outcome.POSSIBLE, 5),
        (rls_v11(c5="yes"), Outcome.NOT_CONSISTENT, 5),
        (rls_v11(gate="no"), Outcome.NOT_CONSISTENT, 0),
        (rls_v11(c1="no"), Outcome.NOT_CONSISTENT, 5),
        (rls_v11(c4="no", c5="unsure"), Outcome.NOT_CONSISTENT, 4),
    ],
)
def test_version_1_1_scores_as_before(answers, outcome, score_):
    result = score(RLS_V11, answers)
    assert (result.outcome, result.score, result.main.maximum) == (outcome, score_, 6)
    assert "screen" not in result.main.details


@pytest.mark.parametrize(
    ("frequency", "course"),
    [("twice_weekly_or_more", "chronic_persistent"), ("weekly", "intermittent")],
)
def test_version_1_1_keeps_its_stored_category_keys(frequency, course):
    result = score(RLS_V11, rls_v11(frequency=frequency))
    assert result.report("course").details["category"] == course
