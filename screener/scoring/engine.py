"""Apply a definition's scoring to a patient's answers.

Conditions decide which items were asked; only answers to asked items count, so a
stale answer left behind after the patient changed the gate question cannot leak into
a result. Any asked, required item without an answer makes the result ``incomplete``:
the engine never guesses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screener.definitions.schema import AnswerError, Definition, Section
from screener.scoring.results import Report, Result
from screener.scoring.rules import RULES, Answers


class UnknownAnswer(ValueError):
    """An item id or value that the definition does not have (a 4xx, not a guess)."""


def section_shown(section: Section, answers: Mapping[str, Any]) -> bool:
    return section.show_if is None or section.show_if.holds(dict(answers))


def asked(definition: Definition, answers: Mapping[str, Any]) -> Answers:
    """Walk the definition in order and keep the answers to items that were shown."""
    values: dict[str, Any] = {}
    shown: set[str] = set()
    for section in definition.sections:
        if not section_shown(section, values):
            continue
        for item in section.items:
            if item.show_if is None or item.show_if.holds(values):
                shown.add(item.id)
                if answers.get(item.id) is not None:
                    values[item.id] = answers[item.id]
    return Answers(values, frozenset(shown))


def check_answers(definition: Definition, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical answers, or UnknownAnswer naming the first unknown item or value."""
    clean: dict[str, Any] = {}
    for item_id, value in raw.items():
        item = definition.item(item_id)
        if item is None:
            raise UnknownAnswer(f"{definition.id} has no item {item_id!r}")
        if value is None:
            continue
        try:
            clean[item_id] = item.check(value)
        except AnswerError as exc:
            allowed = ", ".join(o.value for o in item.choices())
            hint = f" (allowed: {allowed})" if allowed else ""
            raise UnknownAnswer(f"{definition.id}.{item_id}: {value!r}: {exc}{hint}") from None
    return clean


def missing_required(definition: Definition, answers: Answers) -> tuple[str, ...]:
    return tuple(
        item.id
        for item in definition.items()
        if item.required and item.id in answers.asked and answers.values.get(item.id) is None
    )


def score(definition: Definition, raw: Mapping[str, Any]) -> Result:
    """Score already-checked answers against ``definition``."""
    answers = asked(definition, raw)
    spec = definition.scoring
    main = _apply(definition, spec.rule, spec.params, answers)
    reports = tuple(
        Report(r.name, r.label, _apply(definition, r.rule, r.params, answers)) for r in spec.report
    )
    return Result(
        definition.id, definition.version, main, reports, missing_required(definition, answers)
    )


def _apply(definition: Definition, name: str, params: dict[str, Any], answers: Answers):
    rule = RULES[name]
    return rule.apply(definition, rule.params.model_validate(params), answers)
