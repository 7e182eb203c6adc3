"""Plain data for the clinician's pages.

The detail page shows the same plain data the PDF summary is printed from
(``screener.report.data.build``), so the screen and the paper never disagree. The
short outcome words of the worklist and the CSV live here.
"""

from __future__ import annotations

from typing import Any

from screener.report.data import build
from screener.services.screenings import Summary

OUTCOME_WORDS = {
    "consistent": "Consistent",
    "possible": "Possible",
    "not_consistent": "Not consistent",
    "incomplete": "Incomplete",
    "informational": "For information",
}
FLAGGED = frozenset({"consistent", "possible"})


def outcome_words(outcome: str | None) -> str:
    return OUTCOME_WORDS.get(outcome or "", "Not included")


def detail(summary: Summary) -> dict[str, Any]:
    """Everything the detail page shows: outcomes, interpretation, every answer."""
    return {"report": build(summary), "flagged": FLAGGED}
