"""Turn scored results and iron flags into the explanation and referral a patient reads.

Plain data in, plain data out: the results page, the PDF and the API all call
``interpret`` so that they can never disagree. The prose itself lives in
``questionnaires/texts.yaml``; this module only decides which paragraphs apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from screener.definitions.schema import Definition, TextsDocument
from screener.scoring.results import Outcome, Result

POSITIVE = {Outcome.CONSISTENT, Outcome.POSSIBLE}
# Flags that describe iron risk (the rest are family history and the ferritin value).
NOT_IRON_RISK = {"family_rls", "ferritin_75_or_below"}
PROVIDER_KINDS = {"adhd": ("adhd",), "rls": ("sleep", "gp"), "none": ("gp",)}


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
    kind: str  # adhd | rls | none
    passage: Passage
    providers: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Interpretation:
    positive: frozenset[str]
    meanings: tuple[Passage, ...]
    explanation: tuple[Passage, ...]
    referrals: tuple[Referral, ...]
    references: tuple[Citation, ...]
    flags: tuple[Mapping[str, str], ...] = field(default=())
    ferritin: float | None = None


class _Citer:
    """Numbers references in the order they are first cited."""

    def __init__(self, texts: TextsDocument) -> None:
        self.by_id = {reference.id: reference for reference in texts.references}
        self.order: list[str] = []
        self.texts = texts

    def passage(self, key: str) -> Passage:
        paragraph = self.texts.paragraphs[key]
        numbers = []
        for ref_id in paragraph.cites:
            if ref_id not in self.order:
                self.order.append(ref_id)
            numbers.append(self.order.index(ref_id) + 1)
        # In ascending order, as readers expect "[8, 10]", whatever order the file lists.
        return Passage(key, paragraph.title, paragraph.body, tuple(sorted(numbers)))

    def citations(self) -> tuple[Citation, ...]:
        return tuple(
            Citation(n, ref_id, self.by_id[ref_id].citation, self.by_id[ref_id].url)
            for n, ref_id in enumerate(self.order, start=1)
        )


def conditions(results: Mapping[str, Result], definitions: Mapping[str, Definition]):
    """Outcome per screened condition ("adhd", "rls") for the screens that were taken."""
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
) -> Interpretation:
    citer = _Citer(texts)
    outcomes = conditions(results, definitions)
    positive = frozenset(c for c, o in outcomes.items() if o in POSITIVE)

    meanings = [citer.passage("not_a_diagnosis")]
    for condition, outcome in sorted(outcomes.items()):
        key = f"{condition}_{outcome.value}"
        if key in texts.paragraphs:
            meanings.append(citer.passage(key))

    flags, ferritin = _context(results, definitions)
    flag_ids = {flag["id"] for flag in flags}
    explanation = [citer.passage(_link_key(positive))]
    if flag_ids - NOT_IRON_RISK:
        explanation.append(citer.passage("iron_risk"))
    if "ferritin_75_or_below" in flag_ids:
        explanation.append(citer.passage("ferritin_low"))
    if "adhd" in positive and flag_ids & ({"ferritin_75_or_below"} | (flag_ids - NOT_IRON_RISK)):
        explanation.append(citer.passage("ferritin_children_note"))

    kinds = [kind for kind in ("adhd", "rls") if kind in positive] or ["none"]
    referrals = tuple(
        Referral(
            kind,
            citer.passage(f"referral_{kind}"),
            tuple(p for p in providers if set(p.get("assesses", ())) & set(PROVIDER_KINDS[kind])),
        )
        for kind in kinds
    )
    return Interpretation(
        positive,
        tuple(meanings),
        tuple(explanation),
        referrals,
        citer.citations(),
        tuple(flags),
        ferritin,
    )


def _link_key(positive: frozenset[str]) -> str:
    if positive >= {"adhd", "rls"}:
        return "link_both"
    if "adhd" in positive:
        return "link_adhd_only"
    if "rls" in positive:
        return "link_rls_only"
    return "link_neither"


def _context(results: Mapping[str, Result], definitions: Mapping[str, Definition]):
    flags: list[Mapping[str, str]] = []
    ferritin = None
    for qid, result in results.items():
        if definitions[qid].kind != "context":
            continue
        flags.extend(result.main.details.get("flags", []))
        for contribution in result.main.contributions:
            if contribution.item_id == "ferritin" and contribution.answer is not None:
                ferritin = contribution.answer
    return flags, ferritin
