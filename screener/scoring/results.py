"""The result types every caller (views, CLI, PDF, API) shares."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    CONSISTENT = "consistent"
    POSSIBLE = "possible"
    NOT_CONSISTENT = "not_consistent"
    INCOMPLETE = "incomplete"
    # Context questionnaires (iron) are not screens: they yield flags, never a verdict.
    INFORMATIONAL = "informational"


@dataclass(frozen=True)
class Contribution:
    """How one item fed a rule. ``asked`` is False when a condition hid it."""

    item_id: str
    answer: Any
    asked: bool
    counts: bool | None = None
    points: int | None = None


@dataclass(frozen=True)
class RuleResult:
    rule: str
    outcome: Outcome
    score: int | float | None = None
    threshold: int | float | None = None
    maximum: int | float | None = None
    contributions: tuple[Contribution, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """A secondary rule reported beside the outcome (e.g. ASRS Part B)."""

    name: str
    label: str
    result: RuleResult


@dataclass(frozen=True)
class Result:
    """One questionnaire scored against the exact definition version it was answered on."""

    questionnaire_id: str
    version: str
    main: RuleResult
    reports: tuple[Report, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def outcome(self) -> Outcome:
        """The main rule's outcome: ``incomplete`` when any item it needs is unanswered.

        Unanswered items outside the rule (listed in ``missing``) do not change it.
        """
        return self.main.outcome

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def score(self) -> int | float | None:
        return self.main.score

    @property
    def threshold(self) -> int | float | None:
        return self.main.threshold

    @property
    def contributions(self) -> tuple[Contribution, ...]:
        return self.main.contributions

    def report(self, name: str) -> RuleResult | None:
        return next((r.result for r in self.reports if r.name == name), None)

    @property
    def flagging_reports(self) -> tuple[RuleResult, ...]:
        """The reports beside the outcome that raised flags: a ``flags`` rule (medicine
        for the legs) or a category that means something (symptoms that get in the way
        of daily life)."""
        return tuple(r.result for r in self.reports if r.result.details.get("flags"))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data: what the CLI prints and what is stored with a screening."""
        main = self.main
        return {
            "version": self.version,
            "outcome": self.outcome.value,
            "score": main.score,
            "threshold": main.threshold,
            "maximum": main.maximum,
            "rule": main.rule,
            "details": main.details,
            "complete": self.complete,
            "missing": list(self.missing),
            "contributions": [asdict(c) for c in main.contributions],
            "reports": {
                report.name: {
                    "label": report.label,
                    "rule": report.result.rule,
                    "score": report.result.score,
                    "maximum": report.result.maximum,
                    "details": report.result.details,
                    "contributions": [asdict(c) for c in report.result.contributions],
                }
                for report in self.reports
            },
        }
