"""The flow of a screening as pure functions over its definitions and answers.

Which pages a patient sees, how many there can still be, which one is next, and what a
page's posted values mean: no database, no request. The storage (``screening_store``)
and the views call these; so can a test, the CLI or an API with nothing but a definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from screener.definitions.schema import Definition, Section
from screener.scoring.engine import section_shown


class Instrument(Protocol):
    """One questionnaire of a screening: its key, its definition and its version's hash."""

    key: str
    definition: Definition

    @property
    def sha256(self) -> str: ...


@dataclass(frozen=True)
class Step:
    """One page of the flow: a section of one instrument."""

    number: int  # 1-based among the steps shown
    key: str
    section: Section
    definition: Definition
    sha256: str  # of the pinned version: caches of forms are keyed by it

    @property
    def slug(self) -> str:
        return f"{self.key}/{self.section.id}"


def plan(instruments: Sequence[Instrument], answers: Mapping[str, Mapping[str, Any]]) -> list[Step]:
    """The pages the patient sees, given the answers so far (conditions may hide some)."""
    shown: list[Step] = []
    for instrument in instruments:
        mine = answers.get(instrument.key, {})
        for section in instrument.definition.sections:
            if section_shown(section, mine):
                shown.append(
                    Step(
                        len(shown) + 1,
                        instrument.key,
                        section,
                        instrument.definition,
                        instrument.sha256,
                    )
                )
    return shown


def most_steps(instruments: Sequence[Instrument], answers: Mapping[str, Mapping[str, Any]]) -> int:
    """The most pages the patient can still see: shown ones plus those not yet decided.

    A page whose condition rests on an unanswered item counts, so the total a patient
    is told can only shrink as they answer, never grow.
    """
    total = 0
    for instrument in instruments:
        mine = answers.get(instrument.key, {})
        for section in instrument.definition.sections:
            undecided = section.show_if is not None and mine.get(section.show_if.item) is None
            if undecided or section_shown(section, mine):
                total += 1
    return total


def step_is_complete(step: Step, answers: Mapping[str, Any]) -> bool:
    return all(
        answers.get(item.id) is not None
        for item in step.section.items
        if item.required and (item.show_if is None or item.show_if.holds(dict(answers)))
    )


def first_open_step(shown: Sequence[Step], answers: Mapping[str, Mapping[str, Any]]) -> Step | None:
    """The first of the steps already worked out that still lacks a required answer."""
    return next((s for s in shown if not step_is_complete(s, answers.get(s.key, {}))), None)


def check_page(
    section: Section, saved: Mapping[str, Any], raw: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """One page's posted values as (canonical answers, errors by item id).

    ``raw`` maps item ids to submitted values (None or "" for no answer); ``saved`` are the
    instrument's answers so far, which decide whether a conditional item applies.
    """
    proposed = dict(saved)
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for item in section.items:
        value = raw.get(item.id)
        if value in (None, "", []):
            clean[item.id] = None
            continue
        try:
            clean[item.id] = item.check(value)
        except ValueError as exc:
            errors[item.id] = str(exc)
    proposed.update(clean)
    for item in section.items:
        visible = item.show_if is None or item.show_if.holds(proposed)
        if visible and item.required and clean.get(item.id) is None and item.id not in errors:
            errors[item.id] = item.missing_message()
    return clean, errors


def with_page(
    answers: Mapping[str, Mapping[str, Any]], key: str, clean: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """The answers as they are after ``store_section`` stored ``clean``, without a read."""
    merged = {k: dict(v) for k, v in answers.items()}
    page = merged.setdefault(key, {})
    for item_id, value in clean.items():
        if value is None:
            page.pop(item_id, None)
        else:
            page[item_id] = value
    return merged
