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

from screener import urgent_help
from screener.codes import format_code
from screener.definitions.schema import Definition, NumberItem
from screener.interpretation import Passage
from screener.report.types import (
    Gauge,
    InstrumentReport,
    ItemRow,
    Line,
    Provider,
    ReferenceEntry,
    ReferralReport,
    ReportData,
    SectionRows,
)
from screener.scoring.engine import asked
from screener.scoring.results import Outcome, RuleResult

# Bounds on what reaches the renderer. Text answers are already capped by their
# definition (at most 2,000 characters); these also bound staff-entered clinic fields.
MAX_TEXT = 2000
MAX_LINE = 300
MAX_PROVIDERS = 20
ELLIPSIS = " […]"

CONDITION_NAMES = {"adhd": "adult ADHD", "rls": "restless legs syndrome (RLS)"}
OUTCOME_WORDS = {
    Outcome.CONSISTENT: "Consistent with {}",
    Outcome.POSSIBLE: "Possibly consistent with {}",
    Outcome.NOT_CONSISTENT: "Not consistent with {}",
    Outcome.INCOMPLETE: "Incomplete: not scored",
    Outcome.INFORMATIONAL: "For context (not a screen)",
}
CATEGORY_WORDS = {
    "chronic_persistent": "Chronic-persistent (2 or more times a week)",
    # IRLSSG: intermittent also needs at least five episodes in a lifetime, which the
    # questionnaire does not ask; the clinician is told so rather than shown a label.
    "intermittent": (
        "Less than twice a week (intermittent if 5 or more episodes in a lifetime; not asked)"
    ),
    "clinically_significant": "Clinically significant",
    "not_significant": "Not clinically significant",
}
NOT_ASKED = "Not asked"
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


def build(summary) -> ReportData:
    """Plain report data from ``screener.services.screenings.Summary``."""
    interpretation = summary.interpretation
    meanings = {p.key: p for p in interpretation.meanings}
    references = [_reference(c.number, c.citation, c.url) for c in interpretation.references]
    instruments = []
    for instrument in summary.instruments:
        number = len(references) + 1
        source = instrument.definition.source
        references.append(_reference(number, source.citation, source.url))
        instruments.append(_instrument(instrument, meanings, number))
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
        submitted_on=_date(when),
        submitted_iso=_utc(when).isoformat(timespec="seconds") if when else "",
        not_a_diagnosis=meanings["not_a_diagnosis"],
        instruments=tuple(instruments),
        link=interpretation.explanation[0],
        more_on_iron=interpretation.explanation[1:],
        iron_flags=tuple(clip(flag["label"]) for flag in interpretation.flags),
        ferritin=_number(interpretation.ferritin, "µg/L"),
        referrals=tuple(_referral(r) for r in interpretation.referrals),
        references=tuple(references),
        versions=" · ".join(
            f"{i.key} {i.version_label} (rev. {i.revision})" for i in summary.instruments
        ),
        results_json=_results_json(summary, code, when),
    )


def _instrument(instrument, meanings: Mapping[str, Passage], source_number: int):
    definition: Definition = instrument.definition
    result = instrument.result
    condition = definition.screens_for
    name = CONDITION_NAMES.get(condition or "", definition.short_title)
    outcome = result.outcome
    details = tuple(Line(report.label, _report_value(report.result)) for report in result.reports)
    return InstrumentReport(
        key=instrument.key,
        title=definition.title,
        short_title=definition.short_title,
        version=f"version {instrument.version_label}, revision {instrument.revision}",
        kind=definition.kind,
        outcome=OUTCOME_WORDS[outcome].format(name),
        outcome_class=outcome.value,
        gauge=_gauge(result.main) if definition.kind == "screen" else None,
        details=details,
        meaning=meanings.get(f"{condition}_{outcome.value}"),
        instructions=definition.instructions,
        recall_period=definition.recall_period or "",
        sections=_rows(definition, instrument.answers),
        source=definition.source.citation,
        source_number=source_number,
        terms=definition.terms,
    )


def _gauge(main: RuleResult) -> Gauge | None:
    if main.score is None or not main.maximum:
        return None
    score, maximum = int(main.score), int(main.maximum)
    threshold = None if main.threshold is None else int(main.threshold)
    if main.rule == "criteria":
        caption = f"{score} of {maximum} criteria met (all {maximum} are needed)"
    elif main.rule == "highlighted_count":
        caption = f"{score} of {maximum} answers in the shaded boxes"
        if threshold is not None:
            caption += f" (cut-off: {threshold} or more)"
    else:
        caption = f"Score {score} of {maximum}"
        if threshold is not None:
            caption += f" (cut-off: {threshold})"
    return Gauge(score, maximum, threshold, caption)


def _report_value(result: RuleResult) -> str:
    if result.rule == "category":
        if not all(c.asked for c in result.contributions):
            return NOT_ASKED
        category = result.details.get("category")
        return CATEGORY_WORDS.get(category, category or NO_ANSWER)
    if result.score is None:
        return "Incomplete"
    if result.maximum:
        return f"{_plain(result.score)} of {_plain(result.maximum)}"
    return _plain(result.score)


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
    if isinstance(value, list):
        options = [item.option(v) for v in value]
        labels = [o.label if o else clip(v) for o, v in zip(options, value, strict=True)]
        return "; ".join(labels), any(o is not None and o.highlight for o in options)
    option = item.option(value)
    if option is not None:
        return option.label, option.highlight
    if isinstance(item, NumberItem):
        return _number(value, item.unit or ""), False
    return clip(value, MAX_TEXT), False


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
        "format_version": 1,
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
        "positive": sorted(summary.interpretation.positive),
        "flags": [dict(flag) for flag in summary.interpretation.flags],
        "ferritin": summary.interpretation.ferritin,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def _utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC) if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _date(when: dt.datetime | None) -> str:
    return _utc(when).strftime("%-d %B %Y") if when else ""


def _plain(number: Any) -> str:
    return str(int(number)) if float(number) == int(number) else str(number)


def _number(value: Any, unit: str) -> str:
    if value is None:
        return ""
    return f"{_plain(value)} {unit}".strip()
