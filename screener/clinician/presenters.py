"""Plain data for the clinician's pages, built from ``screenings.summary``.

The wording of outcomes lives here, so the worklist, the detail page and the CSV
export say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from screener.scoring.engine import asked
from screener.services.screenings import Summary

OUTCOME_WORDS = {
    "consistent": "Consistent",
    "possible": "Possible",
    "not_consistent": "Not consistent",
    "incomplete": "Incomplete",
    "informational": "For information",
}
FLAGGED = frozenset({"consistent", "possible"})
NOT_ASKED = "Not asked"
NO_ANSWER = "No answer"
MAX_SHOWN = 2000


def outcome_words(outcome: str | None) -> str:
    return OUTCOME_WORDS.get(outcome or "", "Not answered")


@dataclass(frozen=True)
class ItemRow:
    number: int
    text: str
    answer: str
    status: str  # answered | not_asked | unanswered
    highlighted: bool


@dataclass(frozen=True)
class SectionRows:
    title: str
    rows: tuple[ItemRow, ...]


@dataclass(frozen=True)
class InstrumentView:
    key: str
    title: str
    version: str
    kind: str
    outcome: str
    outcome_text: str
    flagged: bool
    score: Any
    threshold: Any
    maximum: Any
    reports: tuple[tuple[str, str], ...]
    meaning: Any
    sections: tuple[SectionRows, ...]


def detail(summary: Summary) -> dict[str, Any]:
    """Everything the detail page shows: outcomes, interpretation, every answer."""
    meanings = {p.key: p for p in summary.interpretation.meanings}
    return {
        "summary": summary,
        "interpretation": summary.interpretation,
        "instruments": [_instrument(i, meanings) for i in summary.instruments],
    }


def _instrument(instrument, meanings: Mapping[str, Any]) -> InstrumentView:
    definition, result = instrument.definition, instrument.result
    main = result.main
    return InstrumentView(
        key=instrument.key,
        title=definition.title,
        version=f"{instrument.version_label} (revision {instrument.revision})",
        kind=definition.kind,
        outcome=main.outcome.value,
        outcome_text=outcome_words(main.outcome.value),
        flagged=main.outcome.value in FLAGGED,
        score=main.score,
        threshold=main.threshold,
        maximum=main.maximum,
        reports=tuple(
            (report.label, _number(report.result.score, report.result.maximum))
            for report in result.reports
        ),
        meaning=meanings.get(instrument.key),
        sections=_rows(definition, instrument.answers),
    )


def _number(score: Any, maximum: Any) -> str:
    if score is None:
        return "not scored"
    return f"{score:g} of {maximum:g}" if maximum is not None else f"{score:g}"


def _rows(definition, answers: Mapping[str, Any]) -> tuple[SectionRows, ...]:
    shown = asked(definition, answers)
    sections, number = [], 0
    for section in definition.sections:
        rows = []
        for item in section.items:
            number += 1
            value = shown.values.get(item.id)
            if item.id not in shown.asked:
                rows.append(ItemRow(number, item.text, NOT_ASKED, "not_asked", False))
            elif value is None:
                rows.append(ItemRow(number, item.text, NO_ANSWER, "unanswered", False))
            else:
                text, highlighted = _answer(item, value)
                rows.append(ItemRow(number, item.text, text, "answered", highlighted))
        sections.append(SectionRows(section.title, tuple(rows)))
    return tuple(sections)


def _answer(item, value: Any) -> tuple[str, bool]:
    """The answer as the patient saw it, and whether it fell in a shaded box."""
    values = value if isinstance(value, list) else [value]
    options = [item.option(v) for v in values]
    if all(option is not None for option in options):
        return (
            "; ".join(option.label for option in options),
            any(option.highlight for option in options),
        )
    unit = getattr(item, "unit", None)
    text = "; ".join(str(v) for v in values)[:MAX_SHOWN]
    return (f"{text} {unit}" if unit else text), False
