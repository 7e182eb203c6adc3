"""RLS: the single-question gate, then all five IRLSSG 2012 essential criteria."""

from __future__ import annotations

import pytest

from screener.scoring.engine import asked, score
from screener.scoring.results import Outcome
from tests.helpers import definition, rls

RLS = definition("rls-irlssg")


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        (rls(), Outcome.CONSISTENT),
        (rls(c5="unsure"), Outcome.POSSIBLE),
        (rls(c5="yes"), Outcome.NOT_CONSISTENT),
        (rls(gate="no"), Outcome.NOT_CONSISTENT),
        (rls(c1="no"), Outcome.NOT_CONSISTENT),
        (rls(c2="no"), Outcome.NOT_CONSISTENT),
        (rls(c3="no"), Outcome.NOT_CONSISTENT),
        (rls(c4="no"), Outcome.NOT_CONSISTENT),
        (rls(c4="no", c5="unsure"), Outcome.NOT_CONSISTENT),  # unsure cannot rescue a "no"
    ],
)
def test_outcomes(answers, outcome):
    assert score(RLS, answers).outcome is outcome


def test_gate_no_skips_the_criteria_and_is_complete():
    answers = rls(gate="no")
    shown = asked(RLS, answers).asked
    assert shown == {"gate"}
    result = score(RLS, answers)
    assert result.complete
    not_asked = [c.item_id for c in result.contributions if not c.asked]
    assert not_asked == ["c1_urge", "c2_rest", "c3_movement", "c4_evening", "c5_explained"]


def test_stale_criteria_answers_are_ignored_when_the_gate_changes_to_no():
    answers = {**rls(), "gate": "no"}
    result = score(RLS, answers)
    assert result.outcome is Outcome.NOT_CONSISTENT
    assert all(c.answer is None for c in result.contributions if c.item_id != "gate")


@pytest.mark.parametrize(
    "item", ["c1_urge", "c2_rest", "c3_movement", "c4_evening", "c5_explained"]
)
def test_a_missing_criterion_is_incomplete(item):
    answers = rls()
    del answers[item]
    result = score(RLS, answers)
    assert result.outcome is Outcome.INCOMPLETE
    assert result.score is None


def test_a_missing_gate_is_incomplete():
    assert score(RLS, {}).outcome is Outcome.INCOMPLETE


@pytest.mark.parametrize(
    ("frequency", "course"),
    [
        ("twice_weekly_or_more", "chronic_persistent"),
        ("weekly", "intermittent"),
        ("monthly", "intermittent"),
        ("less_than_monthly", "intermittent"),
    ],
)
def test_clinical_course(frequency, course):
    result = score(RLS, rls(frequency=frequency))
    assert result.report("course").details["category"] == course


def test_significance_and_missing_specifiers():
    result = score(RLS, rls(impact="no"))
    assert result.report("significance").details["category"] == "not_significant"
    answers = rls()
    del answers["frequency"]
    result = score(RLS, answers)
    assert result.outcome is Outcome.CONSISTENT
    assert result.missing == ("frequency",)
    assert result.report("course").details["category"] is None
