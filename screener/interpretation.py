"""Turn scored results and flags into the explanation and referral a patient reads.

Plain data in, plain data out: the results page, the PDF and the clinician page all call
``interpret`` so that they can never disagree. The prose itself lives in
``questionnaires/texts.yaml``; this module only decides which paragraphs apply.

Which paragraphs apply when is written in the texts (``explain``, ``clinician``,
``reasons``, ``no_referral``) and in each definition (its outcomes, referral, cues):
this module only checks those rules against the results, for any instrument.

The rules that keep a message from misleading (docs/clinical-content.md):
- "both" only when both screens are consistent; "possible" has its own words;
- a negative screen never reassures: when the answers hold a reason to see a clinician
  anyway (medicine for the condition, pregnancy, a low iron test, shaded answers with no
  cut-off), that reason is named whatever the screens say;
- what was not asked is never reported as absent (``context_asked`` says whether any
  context questions were asked at all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from screener.amounts import amount
from screener.definitions.schema import (
    Definition,
    FirstOf,
    Lead,
    TextsDocument,
    TreatedHere,
    When,
)
from screener.scoring.results import Outcome, Result

POSITIVE = {Outcome.CONSISTENT, Outcome.POSSIBLE}
# A blood test older than this is called old.
OLD_AFTER_DAYS = 365


@dataclass(frozen=True)
class Citation:
    number: int
    id: str
    citation: str
    url: str | None


@dataclass(frozen=True)
class Passage:
    key: str
    title: str | None
    body: str
    cites: tuple[int, ...]


@dataclass(frozen=True)
class Referral:
    kind: str  # the condition referred for (a definition's ``screens_for``), or "none"
    passage: Passage
    providers: tuple[Mapping[str, Any], ...]
    # The suggested next step said to the clinician (None when the texts have none).
    clinician: Passage | None = None


@dataclass(frozen=True)
class Interpretation:
    positive: frozenset[str]  # conditions whose screen is consistent or possible
    meanings: tuple[Passage, ...]  # "not a diagnosis" first, then every outcome passage
    explanation: tuple[Passage, ...]  # the ADHD/RLS link first, then iron and the rest
    referrals: tuple[Referral, ...]
    references: tuple[Citation, ...]
    flags: tuple[Mapping[str, Any], ...] = field(default=())
    consistent: frozenset[str] = frozenset()
    possible: frozenset[str] = frozenset()
    # Condition -> the passages that say what its outcome means.
    meaning_for: Mapping[str, tuple[Passage, ...]] = field(default_factory=dict)
    context_asked: bool = False
    measurements: tuple[Mapping[str, Any], ...] = ()
    # Why to see a clinician whatever the screens say, as short lines, and the passage
    # that introduces them (None when there is no such reason).
    reasons: tuple[str, ...] = ()
    see_anyway: Passage | None = None
    # Flags raised beside a screen (shown with that screen, not in the context box).
    screen_flags: frozenset[str] = frozenset()
    # Shown to clinicians (their page and the PDF), not on the patient's results page.
    clinician_notes: tuple[Passage, ...] = ()


class _Citer:
    """Numbers references in the order they are first cited."""

    def __init__(self, texts: TextsDocument) -> None:
        self.by_id = {reference.id: reference for reference in texts.references}
        self.order: list[str] = []
        self.texts = texts

    def passage(self, key: str, lead: str = "") -> Passage:
        paragraph = self.texts.paragraphs[key]
        numbers = [self.number(ref_id) for ref_id in paragraph.cites]
        body = f"{lead} {paragraph.body}" if lead else paragraph.body
        # In ascending order, as readers expect "[8, 10]", whatever order the file lists.
        return Passage(key, paragraph.title, body, tuple(sorted(numbers)))

    def first(self, *keys: str, lead: str = "") -> Passage | None:
        """The first of ``keys`` the texts have (older texts lack newer paragraphs)."""
        key = next((k for k in keys if k in self.texts.paragraphs), None)
        return None if key is None else self.passage(key, lead)

    def number(self, ref_id: str) -> int:
        if ref_id not in self.order:
            self.order.append(ref_id)
        return self.order.index(ref_id) + 1

    def citations(self) -> tuple[Citation, ...]:
        return tuple(
            Citation(n, ref_id, self.by_id[ref_id].citation, self.by_id[ref_id].url)
            for n, ref_id in enumerate(self.order, start=1)
        )


def conditions(results: Mapping[str, Result], definitions: Mapping[str, Definition]):
    """Outcome per screened condition (its ``screens_for``) for the screens that were taken."""
    return {
        definitions[qid].screens_for: result.outcome
        for qid, result in results.items()
        if definitions[qid].kind == "screen" and definitions[qid].screens_for
    }


def interpret(
    results: Mapping[str, Result],
    definitions: Mapping[str, Definition],
    texts: TextsDocument,
    providers: Sequence[Mapping[str, Any]] = (),
    as_of: dt.date | None = None,
) -> Interpretation:
    """Which passages apply to these results; ``as_of`` dates the screening (for old tests)."""
    as_of = as_of or dt.date.today()
    citer = _Citer(texts)
    outcomes = conditions(results, definitions)
    consistent = frozenset(c for c, o in outcomes.items() if o is Outcome.CONSISTENT)
    possible = frozenset(c for c, o in outcomes.items() if o is Outcome.POSSIBLE)
    positive = consistent | possible
    flags, measurements, treated, meanings_of, screen_flags = _context(results, definitions)
    meant = {meaning for values in meanings_of.values() for meaning in values}
    in_play = positive | treated  # conditions the explanation may speak about

    meanings = [citer.passage("not_a_diagnosis")]
    meaning_for: dict[str, tuple[Passage, ...]] = {}
    reasons: list[str] = []
    screens = {}  # condition -> its definition, in the order of questionnaire keys
    for qid, result in sorted(results.items(), key=lambda pair: pair[0]):
        definition = definitions[qid]
        condition = definition.screens_for
        if definition.kind != "screen" or not condition:
            continue
        screens[condition] = definition
        passages = _outcome_passages(citer, definition, result)
        cues = _cues(citer, definition, result)
        passages += [passage for passage, _ in cues]
        reasons += [line for _, line in cues]
        meaning_for[condition] = tuple(passages)
        meanings += passages

    low = [m for m in measurements if m["flags"]]
    facts = _Facts(consistent, possible, positive, in_play, frozenset(meant), bool(low))
    explanation = []
    for entry in texts.explain:
        if isinstance(entry, TreatedHere):
            for condition in sorted(treated):
                text = screens[condition].treated_text if condition in screens else None
                passage = citer.first(text) if text else None
                if passage:
                    explanation.append(passage)
            continue
        rules = entry.first if isinstance(entry, FirstOf) else [entry]
        rule = next((r for r in rules if facts.holds(r.when) and r.show in texts.paragraphs), None)
        if rule is not None:
            lead = _lead(rule.lead, low, as_of, texts) if rule.lead else ""
            explanation.append(citer.passage(rule.show, lead=lead))

    clinician_notes = [
        citer.passage(rule.show)
        for rule in texts.clinician
        if facts.holds(rule.when) and rule.show in texts.paragraphs
    ]

    for flag in flags:
        meant_by_flag = set(meanings_of[flag["id"]])
        if any(m in meant_by_flag and facts.holds(w) for m, w in texts.reason_rules()):
            reasons.append(flag["label"])
    see_anyway = citer.first("see_anyway") if reasons else None

    referred = [
        (condition, definition.referral)
        for condition, definition in screens.items()
        if condition in in_play and definition.referral is not None
    ]
    if not referred and texts.no_referral is not None:
        referred = [("none", texts.no_referral)]
    passages = [citer.passage(spec.texts) for _, spec in referred]
    # Numbered after the patient's passages, so that those keep their numbers.
    next_steps = [citer.first(spec.clinician) if spec.clinician else None for _, spec in referred]
    referrals = tuple(
        Referral(
            kind,
            passage,
            tuple(p for p in providers if set(p.get("assesses", ())) & set(spec.providers)),
            next_step,
        )
        for (kind, spec), passage, next_step in zip(referred, passages, next_steps, strict=True)
    )
    return Interpretation(
        positive=positive,
        meanings=tuple(meanings),
        explanation=tuple(explanation),
        referrals=referrals,
        references=citer.citations(),
        flags=tuple(flags),
        consistent=consistent,
        possible=possible,
        meaning_for=meaning_for,
        context_asked=any(definitions[qid].kind == "context" for qid in results),
        measurements=tuple(measurements),
        reasons=tuple(dict.fromkeys(reasons)),
        screen_flags=screen_flags,
        see_anyway=see_anyway,
        clinician_notes=tuple(clinician_notes),
    )


def _outcome_passages(citer: _Citer, definition: Definition, result: Result) -> list[Passage]:
    """What the outcome means, in the paragraphs its definition names; a "no" to a
    screening question has words of its own (when the texts have them), and so has a
    "no" from someone treated for the condition (``wording.outcome_key``)."""
    from screener.wording import outcome_key  # wording imports report.types, which imports us

    outcomes = definition.outcomes
    words = outcomes.get(result.outcome.value)
    keys = list(words.texts) if words else []
    chosen = outcomes.get(outcome_key(definition, result))
    if chosen is not None and all(key in citer.texts.paragraphs for key in chosen.texts):
        keys = list(chosen.texts)
    return [passage for key in keys if (passage := citer.first(key))]


def _cues(citer: _Citer, definition: Definition, result: Result) -> list[tuple[Passage, str]]:
    """Reported counts with no cut-off (ASRS Part B) that hold answers in the shaded range.

    Only for a screen that is not positive: a positive one already sends the person on.
    The report's ``cues`` paragraph says what such answers mean.
    """
    if result.outcome is not Outcome.NOT_CONSISTENT:
        return []
    specs = {spec.name: spec for spec in definition.scoring.report if spec.cues}
    cues = []
    for report in result.reports:
        counted, spec = report.result, specs.get(report.name)
        if spec is None or counted.threshold is not None or not counted.score:
            continue
        passage = citer.first(spec.cues)
        if passage:
            line = f"{spec.reason or report.label}: {counted.score} of {counted.maximum}"
            cues.append((passage, line))
    return cues


@dataclass(frozen=True)
class _Facts:
    """What the texts' rules (``When``) are checked against."""

    consistent: frozenset[str]
    possible: frozenset[str]
    positive: frozenset[str]
    in_play: frozenset[str]
    meant: frozenset[str]
    low_value: bool

    def holds(self, when: When) -> bool:
        return (
            set(when.consistent) <= self.consistent
            and set(when.possible) <= self.possible
            and set(when.positive) <= self.positive
            and set(when.in_play) <= self.in_play
            and (not when.means or bool(set(when.means) & self.meant))
            and (not when.low_value or self.low_value)
        )


def _lead(lead: Lead, low: list[Mapping[str, Any]], as_of: dt.date, texts: TextsDocument) -> str:
    """What was typed, in a sentence per value, and the words for an old test."""
    words = " ".join(_measurement_sentence(m) for m in low) if lead.values else ""
    old = lead.old and texts.paragraphs.get(lead.old)
    if old and any(_is_old(m, as_of) for m in low):
        words = f"{words} {old.body}".strip()
    return words


def _context(results: Mapping[str, Result], definitions: Mapping[str, Definition]):
    """Raised flags and typed measurements, from context questionnaires and from the
    reports beside a screen that raise flags; the conditions someone is treated for;
    what each raised flag means (its own ``means``, or what a format-1 flag meant); and
    which flags a screen raised."""
    flags: list[Mapping[str, Any]] = []
    measurements: list[Mapping[str, Any]] = []
    treated: set[str] = set()
    meanings: dict[str, tuple[str, ...]] = {}
    from_screens: set[str] = set()
    for qid, result in results.items():
        definition = definitions[qid]
        rules = [result.main] if definition.kind == "context" else []
        rules += result.flagging_reports
        for rule in rules:
            raised = rule.details.get("flags", [])
            flags.extend(raised)
            measurements.extend(rule.details.get("measurements", []))
            for flag in raised:
                meant = flag.get("means") or definition.flag_meanings.get(flag["id"], ())
                meanings[flag["id"]] = tuple(meant)
                if definition.screens_for and "treated" in meant:
                    treated.add(definition.screens_for)
                if definition.kind == "screen":
                    from_screens.add(flag["id"])
    return flags, measurements, frozenset(treated), meanings, frozenset(from_screens)


def _measurement_sentence(measurement: Mapping[str, Any]) -> str:
    typed = amount(measurement["value"], measurement.get("unit"))
    when = month_year(measurement)
    dated = f", from a test in {when}" if when else ", with no date given"
    return f"You entered a {measurement['measure']} result of {typed}{dated}."


def _month(measurement: Mapping[str, Any]) -> int | None:
    """The month of a test, 1 to 12, from the month item's value ("m03"); None if not given."""
    month = measurement.get("month")
    if isinstance(month, str) and month.startswith("m") and month[1:].isdigit():
        number = int(month[1:])
        if 1 <= number <= 12:
            return number
    return None


def month_year(measurement: Mapping[str, Any]) -> str:
    year = measurement.get("year")
    if not year:
        return ""
    month = _month(measurement)
    return f"{dt.date(2000, month, 1):%B} {year}" if month else str(year)


def _is_old(measurement: Mapping[str, Any], as_of: dt.date) -> bool:
    """More than a year before the screening, even if taken on the last day of its month
    (or of its year, when no month was given)."""
    year = measurement.get("year")
    if not year:
        return False
    number = _month(measurement) or 12
    first_of_next = dt.date(int(year) + number // 12, number % 12 + 1, 1)
    last_day = first_of_next - dt.timedelta(days=1)
    return (as_of - last_day).days > OLD_AFTER_DAYS
