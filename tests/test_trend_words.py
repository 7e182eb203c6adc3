"""The words a trend uses for a change: neutral, and never "no clear change" when a count
crossed its cut-off (the screen's outcome changed with it)."""

from __future__ import annotations

import pytest

from screener.scoring.results import Outcome
from screener.trend import LEVELS, Line, Point


def count_line(values, threshold=4.0, margin=1.0) -> Line:
    points = tuple(
        Point(f"day {n}", float(v), None, f"{v} of 6", "v1.1 rev 1", "")
        for n, v in enumerate(values)
    )
    return Line(
        key="asrs-v1.1",
        title="ADHD",
        label="Part A",
        kind="count",
        maximum=6.0,
        points=points,
        margin=margin,
        margin_title="",
        margin_note="",
        threshold=threshold,
    )


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ((5, 4), "No clear change"),  # within the margin, both at or above the cut-off
        # Within the margin, but crossed it: both said, never a bare "down 1".
        ((4, 3), "No clear change, down 1, now below the cut-off"),
        ((3, 4), "No clear change, up 1, now at or above the cut-off"),
        ((4, 1), "Down 3, now below the cut-off"),  # beyond the margin, and crossed it
        ((1, 3), "Up 2"),  # beyond the margin, below the cut-off both times
        ((6, 4), "Down 2"),
        ((2, 2), "No change"),  # the same count: exactly that
    ],
)
def test_a_count_change_is_named_neutrally_and_a_crossed_cut_off_always(values, words):
    assert count_line(values).overall == words


def test_a_count_without_a_cut_off_or_margin_says_only_how_much():
    assert count_line((0, 12), threshold=None, margin=None).overall == "Up 12"
    assert count_line((3, 3), threshold=None, margin=None).overall == "No change"


def test_an_outcome_change_names_the_outcome_it_was():
    possible = LEVELS.index(Outcome.POSSIBLE)
    points = (
        Point("day 1", None, possible, "Possibly consistent", "v2.0 rev 1", ""),
        Point("day 2", None, LEVELS.index(Outcome.NOT_CONSISTENT), "Not", "v2.0 rev 1", ""),
    )
    line = Line("rls", "RLS", "Outcome", "outcome", 1.0, points, None, "", "")
    assert line.overall == "Changed (was possibly consistent)"
