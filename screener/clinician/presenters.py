"""Plain data for the clinician's pages.

The detail page shows the same plain data the PDF summary is printed from
(``screener.report.data.build``), so the screen and the paper never disagree. On top of
it, ``detail`` adds the overview a clinician reads first, in short factual lines: each
outcome with its count against the cut-off, the ASRS domains, the RLS lines and iron
(the suggested next steps are the report's, worded in the texts). The short outcome
words of the worklist and the CSV live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from screener import wording
from screener.domains import DomainCount, counts
from screener.models.screening import CANNOT_TELL_TREATED
from screener.report.data import build, trend_report
from screener.report.types import InstrumentReport, TrendReport
from screener.services import series_trend
from screener.services.screenings import Summary

OUTCOME_WORDS = {
    "consistent": "Consistent",
    "possible": "Possible",
    "not_consistent": "Not consistent",
    "incomplete": "Incomplete",
    "informational": "For information",
    CANNOT_TELL_TREATED: "Cannot tell (treated)",
}


@dataclass(frozen=True)
class ScreenOverview:
    """One instrument's lines in the overview."""

    report: InstrumentReport
    count_label: str  # what the gauge caption counts: "Part A", "Criteria"
    domains: tuple[DomainCount, ...]
    domain_source: str  # what the grouping rests on


def outcome_words(outcome: str | None) -> str:
    """A shown outcome (``wording.shown_outcome``) in the worklist's few words."""
    return OUTCOME_WORDS.get(outcome or "", "Not included")


def flagged(outcome: str | None) -> bool:
    return outcome in wording.FLAGGED


def detail(summary: Summary) -> dict[str, Any]:
    """Everything the detail page shows: overview, interpretation, every answer."""
    report = build(summary)
    overview = tuple(
        ScreenOverview(
            shown,
            _count_label(instrument),
            counts(instrument.definition, instrument.answers),
            instrument.definition.domains.source if instrument.definition.domains else "",
        )
        for shown, instrument in zip(report.instruments, summary.instruments, strict=True)
        if shown.kind == "screen"
    )
    return {
        "report": report,
        "flagged": wording.FLAGGED,
        "overview": overview,
    }


def _count_label(instrument) -> str:
    """ "Criteria" for a criteria rule; else the one section the counted items are in."""
    main = instrument.result.main
    if main.rule == "criteria":
        return "Criteria"
    counted = {c.item_id for c in main.contributions}
    sections = [
        section.title
        for section in instrument.definition.sections
        if counted & {item.id for item in section.items}
    ]
    return sections[0] if len(sections) == 1 else "Score"


def trend(screening) -> TrendReport | None:
    """The trend of the screening's repeat-screen series (None outside a series)."""
    found = series_trend.trend_for(screening, voice="report")
    return trend_report(found) if found is not None else None
