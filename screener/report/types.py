"""The shapes of the PDF summary's data: frozen dataclasses of strings and numbers.

These are all the template ever sees, so it cannot reach the database or run anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from screener.interpretation import Passage

MAX_SEGMENTS = 20


@dataclass(frozen=True)
class Gauge:
    """Score against cut-off as a row of segments, one per point (scaled past 20 points)."""

    score: int
    maximum: int
    threshold: int | None
    caption: str

    @property
    def scale(self) -> int:
        return min(self.maximum, MAX_SEGMENTS)

    def _at(self, value: int) -> int:
        return round(value * self.scale / self.maximum)

    @property
    def segments(self) -> tuple[bool, ...]:
        filled = self._at(self.score)
        return tuple(n < filled for n in range(self.scale))

    @property
    def cut_after(self) -> int | None:
        """Index of the segment whose right edge is the cut-off (score reaches it)."""
        return None if self.threshold is None else max(self._at(self.threshold) - 1, 0)


@dataclass(frozen=True)
class Line:
    label: str
    value: str


@dataclass(frozen=True)
class ItemRow:
    number: str
    text: str
    answer: str
    status: str  # answered | not_asked | unanswered
    shaded: bool


@dataclass(frozen=True)
class SectionRows:
    title: str
    items: tuple[ItemRow, ...]


@dataclass(frozen=True)
class InstrumentReport:
    key: str
    title: str
    short_title: str
    version: str
    kind: str
    outcome: str
    outcome_class: str
    gauge: Gauge | None
    details: tuple[Line, ...]
    meanings: tuple[Passage, ...]
    instructions: str
    recall_period: str
    sections: tuple[SectionRows, ...]
    source: str
    source_cites: str  # "2, 3": the reference numbers of the instrument's source
    terms: str
    closing: str = ""


@dataclass(frozen=True)
class Provider:
    name: str
    phone: str
    url: str


@dataclass(frozen=True)
class ReferralReport:
    title: str
    body: str
    cites: tuple[int, ...]
    providers: tuple[Provider, ...]


@dataclass(frozen=True)
class ReferenceEntry:
    number: int
    citation: str
    url: str


@dataclass(frozen=True)
class ContextReport:
    """The box of context answers; its words come from the texts (``context_box``)."""

    title: str
    asked: bool  # False: no context questions were chosen, so nothing is "absent"
    flags: tuple[str, ...]
    tests: tuple[Line, ...]  # each typed test result, with its date
    not_asked: str
    nothing_raised: str
    no_value: str


@dataclass(frozen=True)
class TrendReport:
    """A repeat-screen series over time: the chart, its numbers as rows, the margins' notes.

    ``svg`` is the one value the template does not escape: ``screener.trend_svg`` draws it
    and escapes every text in it (the same chart as on the web pages).
    """

    svg: Any
    lines: tuple[Any, ...]  # screener.trend.Line: frozen, plain data
    dates: tuple[str, ...]
    notes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ReportData:
    title: str
    language: str
    clinic_name: str
    clinic_contact: str
    urgent_help: str  # where to turn if the person feels unsafe: always set
    reference_code: str
    submitted_on: str
    submitted_iso: str
    not_a_diagnosis: Passage
    instruments: tuple[InstrumentReport, ...]
    link: Passage  # the first paragraph of the explanation (the texts' rules choose it)
    more_explanation: tuple[Passage, ...]
    context: ContextReport
    referrals: tuple[ReferralReport, ...]
    references: tuple[ReferenceEntry, ...]
    versions: str
    results_json: str
    # Reasons to see a clinician whatever the screens say, and the passage before them.
    reasons: tuple[str, ...] = ()
    see_anyway: Passage | None = None
    clinician_notes: tuple[Passage, ...] = ()
    # The suggested next step for each referral, said to the clinician (the texts word it).
    next_steps: tuple[Passage, ...] = ()
    # Printed in the PDF only from texts format 3 on: a past screening's PDF reads as it did.
    next_steps_printed: bool = False
    # Shaded answers by domain (ASRS), beside the clinician's next step; no cut-off.
    domains: tuple[Line, ...] = ()
    # The series' trend when the screening is one of a repeat-screen series; else None.
    trend: TrendReport | None = None

    @property
    def screens(self) -> tuple[InstrumentReport, ...]:
        return tuple(i for i in self.instruments if i.kind == "screen")
