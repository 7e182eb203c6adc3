"""ASRS v1.1 scoring against the published rules (the form's clinician instructions)."""

from __future__ import annotations

import pytest

from screener.scoring.engine import score
from screener.scoring.results import Outcome
from tests.helpers import asrs, definition

ASRS = definition("asrs-v1.1")


@pytest.mark.parametrize(
    ("part_a", "highlighted", "outcome"),
    [
        # q1-q3 count from "sometimes"; q4-q6 from "often".
        (["sometimes", "sometimes", "sometimes", "often", "never", "never"], 4, Outcome.CONSISTENT),
        (
            ["sometimes", "sometimes", "sometimes", "sometimes", "never", "never"],
            3,
            Outcome.NOT_CONSISTENT,
        ),  # "sometimes" on q4 does not count
        (["rarely", "rarely", "rarely", "often", "often", "very_often"], 3, Outcome.NOT_CONSISTENT),
        (["rarely", "sometimes", "rarely", "often", "often", "very_often"], 4, Outcome.CONSISTENT),
        (["never"] * 6, 0, Outcome.NOT_CONSISTENT),
        (["very_often"] * 6, 6, Outcome.CONSISTENT),
        (["sometimes"] * 6, 3, Outcome.NOT_CONSISTENT),
        (["often"] * 6, 6, Outcome.CONSISTENT),
        (
            ["sometimes", "sometimes", "sometimes", "never", "often", "rarely"],
            4,
            Outcome.CONSISTENT,
        ),
        (
            ["rarely", "rarely", "rarely", "sometimes", "sometimes", "sometimes"],
            0,
            Outcome.NOT_CONSISTENT,
        ),
    ],
)
def test_part_a_boundaries(part_a, highlighted, outcome):
    result = score(ASRS, asrs(part_a))
    assert result.score == highlighted
    assert result.threshold == 4
    assert result.outcome is outcome
    assert result.complete


@pytest.mark.parametrize("item", [f"q{n}" for n in range(1, 7)])
def test_a_missing_part_a_answer_is_incomplete_never_a_guess(item):
    answers = asrs(["very_often"] * 6)
    del answers[item]
    result = score(ASRS, answers)
    assert result.outcome is Outcome.INCOMPLETE
    assert result.score is None
    assert item in result.missing


def test_missing_part_b_answer_keeps_part_a_outcome_but_is_reported():
    answers = asrs(["very_often"] * 6)
    del answers["q12"]
    result = score(ASRS, answers)
    assert result.outcome is Outcome.CONSISTENT
    assert result.missing == ("q12",)
    assert result.report("part_b").outcome is Outcome.INCOMPLETE


@pytest.mark.parametrize(
    ("value", "counted_on_9_12_16_18", "counted_on_others"),
    [
        ("rarely", False, False),
        ("sometimes", True, False),
        ("often", True, True),
        ("very_often", True, True),
    ],
)
def test_part_b_shaded_boxes(value, counted_on_9_12_16_18, counted_on_others):
    result = score(ASRS, asrs(["never"] * 6, value))
    part_b = result.report("part_b")
    counts = {c.item_id: c.counts for c in part_b.contributions}
    for n in range(7, 19):
        expected = counted_on_9_12_16_18 if n in (9, 12, 16, 18) else counted_on_others
        assert counts[f"q{n}"] is expected, n
    assert part_b.score == sum(counts.values())
    assert part_b.threshold is None  # Part B has no cut-off
    assert part_b.outcome is Outcome.INFORMATIONAL


def test_part_b_does_not_change_the_part_a_outcome():
    low = score(ASRS, asrs(["never"] * 6, "very_often"))
    assert low.outcome is Outcome.NOT_CONSISTENT
    assert low.report("part_b").score == 12


def test_contributions_name_every_part_a_item_and_whether_it_counted():
    result = score(ASRS, asrs(["sometimes", "never", "often", "sometimes", "often", "never"]))
    assert [(c.item_id, c.counts) for c in result.contributions] == [
        ("q1", True),
        ("q2", False),
        ("q3", True),
        ("q4", False),
        ("q5", True),
        ("q6", False),
    ]
