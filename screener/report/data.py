"""What the PDF shows, as plain data built from a screening's ``Summary``.

The template receives only the frozen dataclasses of ``types``, never ORM
objects or definitions, so it cannot reach the database or run anything. Every text that
a patient or staff member typed is cut to a bound here, before it reaches the renderer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from screener import trend_svg, urgent_help
from screener.amounts import amount, plain
from screener.codes import format_code
from screener.definitions.schema import Definition
from screener.domains import counts
from screener.interpretation import Interpretation, month_year
from screener.report.types import (
    ContextReport,
    InstrumentReport,
    ItemRow,
    Line,
    Provider,
    ReferenceEntry,
    ReferralReport,
    ReportData,
    SectionRows,
    TrendReport,
)
from screener.scoring.engine import asked
from screener.scoring.results import RuleResult
from screener.trend import Trend
from screener.wording import gauge, outcome_words, screen_not_asked, shown_outcome

# Bounds on what reaches the renderer. Text answers are already capped by their
# definition (at most 2,000 characters); these also bound staff-entered clinic fields.
MAX_TEXT = 2000
MAX_LINE = 300
MAX_PROVIDERS = 20
ELLIPSIS = " […]"

# The chart's text in the PDF uses the report's bundled font (summary.css).
PDF_FONT = "'Atkinson Hyperlegible', sans-serif"
NOT_ASKED = "Not asked"
SCREEN_NOT_ASKED = "Not asked (the screening question was answered no)"
NO_ANSWER = "No answer given"


def clip(value: Any, limit: int = MAX_LINE) -> str:
    """Text for the renderer: a string, without NUL, at most ``limit`` characters."""
    text = "" if value is None else str(value).replace("\x00", "")
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def _reference(number: int, citation: str, url: str | None) -> ReferenceEntry:
    """One reference; a DOI link is left out when the citation already gives that DOI."""
    url = url or ""
    doi = url.removeprefix("https://doi.org/") if url.startswith("https://doi.org/") else None
    if doi and doi.lower() in citation.lower():
        url = ""
    return ReferenceEntry(number, clip(citation, MAX_TEXT), clip(url))


def build(summary, trend: Trend | None = None) -> ReportData:
    """Plain report data from ``screener.services.screenings.Summary``, with the trend of
    its series when it has one (``screener.services.series_trend``)."""
    interpretation = summary.interpretation
    references = [_reference(c.number, c.citation, c.url) for c in interpretation.references]
    numbers = {c.id: c.number for c in interpretation.references}
    known = {reference.id: reference for reference in summary.texts.references}
    instruments = []
    for instrument in summary.instruments:
        source = instrument.definition.source
        cited = [ref_id for ref_id in source.references if ref_id in known]
        if cited:
            # Listed once: a source the explanations cite keeps its number.
            for ref_id in cited:
                if ref_id not in numbers:
                    numbers[ref_id] = len(references) + 1
                    reference = known[ref_id]
                    references.append(
                        _reference(numbers[ref_id], reference.citation, reference.url)
                    )
            source_numbers = sorted(numbers[ref_id] for ref_id in cited)
        else:
            source_numbers = [len(references) + 1]
            references.append(_reference(source_numbers[0], source.citation, source.url))
        instruments.append(
            _instrument(instrument, interpretation, ", ".join(map(str, source_numbers)))
        )
    when = summary.submitted_at or summary.created_at
    clinic = summary.clinic or {}
    code = format_code(summary.reference_code)
    return ReportData(
        title=f"Screening summary {code}",
        language="en",
        clinic_name=clip(clinic.get("name")) or "Clinic",
        clinic_contact=clip(clinic.get("contact"), 500),
        urgent_help=clip(urgent_help.of_clinic(clinic), urgent_help.MAX_LENGTH),
        reference_code=code,
        submitted_on=summary.clock.date(when),
        submitted_iso=_utc(when).isoformat(timespec="seconds") if when else "",
        not_a_diagnosis=interpretation.meanings[0],
        instruments=tuple(instruments),
        link=interpretation.explanation[0],
        more_explanation=interpretation.explanation[1:],
        context=_context(interpretation, summary.texts),
        referrals=tuple(_referral(r) for r in interpretation.referrals),
        references=tuple(references),
        versions=" · ".join(
            f"{i.key} {i.version_label} (rev. {i.revision})" for i in summary.instruments
        ),
        results_json=_results_json(summary, code, when),
        reasons=tuple(clip(reason) for reason in interpretation.reasons),
        see_anyway=interpretation.see_anyway,
        clinician_notes=interpretation.clinician_notes,
        next_steps=tuple(r.clinician for r in interpretation.referrals if r.clinician),
        next_steps_printed=summary.texts.format_version >= 3,
        domains=_domains(summary),
        trend=trend_report(trend, PDF_FONT) if trend is not None else None,
    )


def _domains(summary) -> tuple[Line, ...]:
    """Shaded answers by the groups a screen's definition names (ASRS: inattention,
    hyperactivity/impulsivity), printed by the clinician's next step, which says to read
    Part B by domain: the PDF may be all an outside clinician gets."""
    return tuple(
        Line(f"{i.definition.short_title}, {d.label} ({d.items}; no cut-off)", d.caption)
        for i in summary.instruments
        if i.definition.kind == "screen"
        for d in counts(i.definition, i.answers)
    )


def trend_report(trend: Trend, font: str = "inherit") -> TrendReport:
    """The trend as the templates show it: the chart (already escaped) and its rows."""
    return TrendReport(trend_svg.draw(trend, font=font), trend.lines, trend.dates, trend.notes)


def _context(interpretation: Interpretation, texts) -> ContextReport:
    box = texts.context_box
    return ContextReport(
        title=clip(box.title if box else "Other answers"),
        asked=interpretation.context_asked,
        flags=_context_flags(interpretation),
        tests=tuple(_test_line(m, interpretation.flags) for m in interpretation.measurements),
        not_asked=clip(box.not_asked if box else "Not asked."),
        nothing_raised=clip(box.nothing_raised if box else "Nothing to note."),
        no_value=clip(box.no_value if box else "No test result given."),
    )


def _context_flags(interpretation: Interpretation) -> tuple[str, ...]:
    """The raised context flags, but for a screen's own (medicine for the legs, shown with
    its screen) and flags on a typed value (shown beside that value, in ``tests``)."""
    on_values = {flag for m in interpretation.measurements for flag in m["flags"]}
    return tuple(
        clip(flag["label"])
        for flag in interpretation.flags
        if flag["id"] not in interpretation.screen_flags and flag["id"] not in on_values
    )


def _test_line(measurement: Mapping[str, Any], flags) -> Line:
    """A typed test result with its date, as "Ferritin: 32 µg/L (March 2026)"."""
    typed = amount(measurement["value"], measurement.get("unit"))
    when = month_year(measurement)
    value = f"{typed} ({when or 'no date given'})"
    if measurement["flags"]:
        labels = {flag["id"]: flag["label"] for flag in flags}
        value += " · " + "; ".join(labels.get(f, f) for f in measurement["flags"])
    return Line(clip(measurement["measure"]).capitalize(), clip(value))


def _instrument(instrument, interpretation: Interpretation, source_cites: str):
    definition: Definition = instrument.definition
    result = instrument.result
    condition = definition.screens_for
    # A flag beside a screen (medicine for the legs) is a line only when raised: page 1
    # names what needs saying, and the answers pages show every answer.
    details = tuple(
        Line(report.label, _report_value(report.result, _spec(definition, report.name).words))
        for report in result.reports
        if report.result.rule != "flags" or report.result.details.get("flags")
    )
    if screen_not_asked(result.main):
        details = (Line("Criteria", SCREEN_NOT_ASKED), *details)
    return InstrumentReport(
        key=instrument.key,
        title=definition.title,
        short_title=definition.short_title,
        version=f"version {instrument.version_label}, revision {instrument.revision}",
        kind=definition.kind,
        outcome=outcome_words(definition, result, "report"),
        outcome_class=shown_outcome(definition, result),
        gauge=gauge(definition, result.main, "report") if definition.kind == "screen" else None,
        details=details,
        meanings=interpretation.meaning_for.get(condition or "", ()),
        instructions=definition.instructions,
        recall_period=definition.recall_period or "",
        sections=_rows(definition, instrument.answers),
        source=definition.source.citation,
        source_cites=source_cites,
        terms=definition.terms,
        closing=definition.closing or "",
    )


def _spec(definition: Definition, name: str):
    return next(spec for spec in definition.scoring.report if spec.name == name)


def _report_value(result: RuleResult, words: Mapping[str, str]) -> str:
    if result.rule == "category":
        if not all(c.asked for c in result.contributions):
            return NOT_ASKED
        if "label" in result.details:
            return result.details["label"]
        category = result.details.get("category")
        return words.get(category, category or NO_ANSWER)
    if result.rule == "flags":
        if not all(c.asked for c in result.contributions):
            return NOT_ASKED
        raised = result.details.get("flags", [])
        return "; ".join(flag["label"] for flag in raised) if raised else "No"
    if result.score is None:
        return "Incomplete"
    if result.maximum:
        return f"{plain(result.score)} of {plain(result.maximum)}"
    return plain(result.score)


def _rows(definition: Definition, answers: Mapping[str, Any]) -> tuple[SectionRows, ...]:
    shown = asked(definition, answers)
    sections = []
    number = 0
    for section in definition.sections:
        rows = []
        for item in section.items:
            number += 1
            value = shown.values.get(item.id)
            if item.id not in shown.asked:
                status, text, shaded = "not_asked", NOT_ASKED, False
            elif value is None:
                status, text, shaded = "unanswered", NO_ANSWER, False
            else:
                status, (text, shaded) = "answered", _answer(item, value)
            rows.append(ItemRow(str(number), item.text, text, status, shaded))
        sections.append(SectionRows(section.title, tuple(rows)))
    return tuple(sections)


def _answer(item, value: Any) -> tuple[str, bool]:
    """The answer as the patient saw it, and whether it fell in a shaded box."""
    return clip(item.answer_text(value), MAX_TEXT), item.shaded(value)


def _referral(referral) -> ReferralReport:
    passage = referral.passage
    providers = tuple(
        Provider(clip(p.get("name")), clip(p.get("phone")), clip(p.get("url")))
        for p in referral.providers[:MAX_PROVIDERS]
    )
    return ReferralReport(passage.title or "Next step", passage.body, passage.cites, providers)


def _results_json(summary, code: str, when) -> str:
    """The machine-readable results attached to the PDF, pinned to the exact versions."""
    payload = {
        "format": "screener-results",
        "format_version": 2,
        "reference_code": code,
        "submitted_at": _utc(when).isoformat() if when else None,
        "texts_revision": summary.texts_revision,
        "instruments": [
            {
                "questionnaire": i.key,
                "version": i.version_label,
                "revision": i.revision,
                "result": i.result.to_json(),
            }
            for i in summary.instruments
        ],
        "consistent": sorted(summary.interpretation.consistent),
        "possible": sorted(summary.interpretation.possible),
        "flags": [dict(flag) for flag in summary.interpretation.flags],
        "iron_questions_asked": summary.interpretation.context_asked,
        "measurements": [dict(m) for m in summary.interpretation.measurements],
        "see_a_clinician_anyway": list(summary.interpretation.reasons),
    }
    return json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def _utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC) if when.tzinfo else when.replace(tzinfo=dt.UTC)
