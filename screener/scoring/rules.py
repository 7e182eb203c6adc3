"""The registry of scoring rules a definition may name.

Nothing in a definition file is evaluated as code: a file names a rule from
``RULES`` and gives parameters, which are validated by the rule's own model and then
checked against the definition (items exist, values are options of those items).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from screener.definitions.schema import Definition, MultipleChoiceItem, NumberItem, Slug
from screener.scoring.results import Contribution, Outcome, RuleResult

Problem = tuple[tuple[str | int, ...], str]


@dataclass(frozen=True)
class Answers:
    """Answers to the items a patient was shown; ``asked`` lists those items."""

    values: dict[str, Any]
    asked: frozenset[str]

    def missing(self, item_ids: Iterable[str]) -> list[str]:
        return [i for i in item_ids if i in self.asked and self.values.get(i) is None]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


@dataclass(frozen=True)
class Rule:
    name: str
    params: type[Params]
    apply: Callable[[Definition, Any, Answers], RuleResult]
    check: Callable[[Definition, Any], list[Problem]]


RULES: dict[str, Rule] = {}


def rule(name: str, params: type[Params], check: Callable[[Definition, Any], list[Problem]]):
    """Register ``apply`` under ``name`` with its parameter model and definition check."""

    def register(apply: Callable[[Definition, Any, Answers], RuleResult]):
        RULES[name] = Rule(name, params, apply, check)
        return apply

    return register


def _unknown_items(definition: Definition, ids: Iterable[str], path: tuple) -> list[Problem]:
    known = {item.id for item in definition.items()}
    return [
        ((*path, index), f"there is no item {item_id!r} in this definition")
        for index, item_id in enumerate(ids)
        if item_id not in known
    ]


def _unknown_values(definition: Definition, item_id: str, values: Iterable[Any], path: tuple):
    item = definition.item(item_id)
    if item is None or not item.choices():
        return []
    allowed = {option.value for option in item.choices()}
    return [
        ((*path, index), f"{value!r} is not an option of item {item_id!r}")
        for index, value in enumerate(values)
        if value not in allowed
    ]


# --- count of highlighted answers ---------------------------------------------------------


class HighlightedCount(Params):
    items: list[Slug] = Field(min_length=1, max_length=200)
    threshold: int | None = Field(default=None, ge=1)


def _check_highlighted(definition: Definition, params: HighlightedCount) -> list[Problem]:
    problems = _unknown_items(definition, params.items, ("items",))
    for index, item_id in enumerate(params.items):
        item = definition.item(item_id)
        if item is not None and not any(option.highlight for option in item.choices()):
            problems.append((("items", index), f"item {item_id!r} has no highlighted option"))
    if params.threshold is not None and params.threshold > len(params.items):
        problems.append((("threshold",), "the threshold is larger than the number of items"))
    return problems


@rule("highlighted_count", HighlightedCount, _check_highlighted)
def highlighted_count(definition: Definition, params: HighlightedCount, answers: Answers):
    """Count answers in the shaded boxes, as on the paper form; compare to a threshold."""
    contributions = []
    for item_id in params.items:
        answer = answers.values.get(item_id)
        option = definition.item(item_id).option(answer)
        counts = None if option is None else option.highlight
        contributions.append(Contribution(item_id, answer, item_id in answers.asked, counts))
    if answers.missing(params.items):
        outcome, score = Outcome.INCOMPLETE, None
    else:
        score = sum(1 for c in contributions if c.counts)
        if params.threshold is None:
            outcome = Outcome.INFORMATIONAL
        elif score >= params.threshold:
            outcome = Outcome.CONSISTENT
        else:
            outcome = Outcome.NOT_CONSISTENT
    return RuleResult(
        "highlighted_count",
        outcome,
        score,
        params.threshold,
        len(params.items),
        tuple(contributions),
    )


# --- sum of option scores with bands -------------------------------------------------------


class Band(Params):
    min: int
    max: int
    outcome: Outcome
    label: str = Field(min_length=1, max_length=100)


class ScoreSum(Params):
    items: list[Slug] = Field(min_length=1, max_length=200)
    bands: list[Band] = Field(min_length=1, max_length=20)
    threshold: int | None = None


def _check_sum(definition: Definition, params: ScoreSum) -> list[Problem]:
    problems = _unknown_items(definition, params.items, ("items",))
    for index, item_id in enumerate(params.items):
        item = definition.item(item_id)
        if item is not None and (
            not item.choices() or any(option.score is None for option in item.choices())
        ):
            problems.append((("items", index), f"every option of {item_id!r} needs a score"))
    ordered = sorted(params.bands, key=lambda band: band.min)
    for index, band in enumerate(ordered):
        if band.min > band.max:
            problems.append((("bands",), f"band {band.label!r} has min above max"))
        if index and band.min != ordered[index - 1].max + 1:
            problems.append((("bands",), "bands must follow on without gaps or overlaps"))
    return problems


@rule("option_score_sum", ScoreSum, _check_sum)
def option_score_sum(definition: Definition, params: ScoreSum, answers: Answers):
    """Add up the options' scores and report the band the total falls in."""
    contributions = []
    for item_id in params.items:
        answer = answers.values.get(item_id)
        option = definition.item(item_id).option(answer)
        points = None if option is None else option.score
        contributions.append(Contribution(item_id, answer, item_id in answers.asked, None, points))
    maximum = sum(max(o.score for o in definition.item(i).choices()) for i in params.items)
    if answers.missing(params.items):
        return RuleResult(
            "option_score_sum",
            Outcome.INCOMPLETE,
            None,
            params.threshold,
            maximum,
            tuple(contributions),
        )
    score = sum(c.points or 0 for c in contributions)
    band = next((b for b in params.bands if b.min <= score <= b.max), None)
    outcome = band.outcome if band else Outcome.INCOMPLETE
    return RuleResult(
        "option_score_sum",
        outcome,
        score,
        params.threshold,
        maximum,
        tuple(contributions),
        {"band": band.label if band else None},
    )


# --- criteria all met / some unsure / not met ----------------------------------------------


class Criteria(Params):
    """``met``: the criteria (item -> accepted answers).

    Optional: ``screen``, a screening question counted apart from the criteria (a "no"
    there means the criteria were not asked, never that they were not met);
    ``exclusions``, questions about other causes (item -> answers that report one): a
    reported cause makes the outcome possible, because only a clinician can tell whether
    it explains the symptoms; ``unsure``: answers (of criteria or exclusions) that make
    the outcome possible rather than not consistent.
    """

    met: dict[Slug, list[str]] = Field(min_length=1, max_length=50)
    unsure: dict[Slug, list[str]] = {}
    screen: dict[Slug, list[str]] = Field(default={}, max_length=1)
    exclusions: dict[Slug, list[str]] = Field(default={}, max_length=20)


def _check_criteria(definition: Definition, params: Criteria) -> list[Problem]:
    problems: list[Problem] = []
    for key in ("met", "unsure", "screen", "exclusions"):
        mapping = getattr(params, key)
        problems += _unknown_items(definition, mapping, (key,))
        for item_id, values in mapping.items():
            problems += _unknown_values(definition, item_id, values, (key, item_id))
    for item_id in params.unsure:
        if item_id not in params.met and item_id not in params.exclusions:
            problems.append((("unsure", item_id), f"{item_id!r} is not one of the criteria"))
    overlap = (set(params.screen) | set(params.exclusions)) & set(params.met)
    overlap |= set(params.screen) & set(params.exclusions)
    for item_id in sorted(overlap):
        problems.append(((), f"{item_id!r} is listed twice among screen, met and exclusions"))
    return problems


@rule("criteria", Criteria, _check_criteria)
def criteria(definition: Definition, params: Criteria, answers: Answers):
    """Every criterion met: consistent; none failed but some unsure: possible.

    A criterion that was not asked (its condition did not hold) is not met. The score
    counts the ``met`` criteria only, so a caption can say what it counts.
    """
    contributions = []
    for item_id, accepted in params.met.items():
        answer = answers.values.get(item_id)
        asked = item_id in answers.asked
        counts = None if asked and answer is None else answer in accepted
        contributions.append(Contribution(item_id, answer, asked, counts))
    met = sum(1 for c in contributions if c.counts)
    details: dict[str, Any] = {}
    screen_negative = False
    for item_id, accepted in params.screen.items():
        answer = answers.values.get(item_id)
        if answer is not None:
            screen_negative = answer not in accepted
            details["screen"] = "negative" if screen_negative else "positive"
    reported, unsure_causes = [], []
    for item_id, values in params.exclusions.items():
        answer = answers.values.get(item_id)
        if answer in values:
            reported.append(item_id)
        elif answer in params.unsure.get(item_id, ()):
            unsure_causes.append(item_id)
    if params.exclusions:
        details["other_causes"] = reported
        details["other_causes_unsure"] = unsure_causes
    needed = [*params.screen, *params.met, *params.exclusions]
    if answers.missing(needed):
        outcome = Outcome.INCOMPLETE
    elif screen_negative or not all(
        c.counts or c.answer in params.unsure.get(c.item_id, ()) for c in contributions
    ):
        outcome = Outcome.NOT_CONSISTENT
    elif met < len(contributions) or reported or unsure_causes:
        outcome = Outcome.POSSIBLE
    else:
        outcome = Outcome.CONSISTENT
    score = None if outcome is Outcome.INCOMPLETE or screen_negative else met
    return RuleResult(
        "criteria",
        outcome,
        score,
        len(contributions),
        len(contributions),
        tuple(contributions),
        details,
    )


# --- a category from one answer (e.g. the clinical course of RLS) --------------------------


# What a raised flag means for the explanation a patient reads; the texts that each
# meaning brings in are chosen by ``screener.interpretation``.
Meaning = Literal[
    "iron_risk", "low_iron", "family_history", "pregnancy", "treated", "affects_daily_life"
]


class Category(Params):
    item: Slug
    categories: dict[Slug, list[str]] = Field(min_length=1, max_length=20)
    # What each category is called on screen and in the PDF, in plain words.
    labels: dict[Slug, Annotated[str, StringConstraints(min_length=1, max_length=200)]] = {}
    # What a category means for the explanation, like a flag's ``means``: an answer in it
    # raises a flag with the category's label (symptoms that get in the way of daily life
    # are a reason to see a clinician whatever the screen shows).
    means: dict[Slug, Annotated[list[Meaning], Field(min_length=1, max_length=5)]] = {}


def _check_category(definition: Definition, params: Category) -> list[Problem]:
    problems = _unknown_items(definition, [params.item], ("item",))
    for name, values in params.categories.items():
        problems += _unknown_values(definition, params.item, values, ("categories", name))
    for field in ("labels", "means"):
        for name in getattr(params, field):
            if name not in params.categories:
                problems.append(((field, name), f"there is no category {name!r}"))
    return problems


@rule("category", Category, _check_category)
def category(definition: Definition, params: Category, answers: Answers):
    """Name the category the answer falls in; ``None`` when the item was not answered."""
    answer = answers.values.get(params.item)
    name = next((n for n, values in params.categories.items() if answer in values), None)
    contribution = Contribution(params.item, answer, params.item in answers.asked, name is not None)
    outcome = Outcome.INCOMPLETE if answers.missing([params.item]) else Outcome.INFORMATIONAL
    details: dict[str, Any] = {"category": name}
    if name in params.labels:
        details["label"] = params.labels[name]
    if name in params.means:
        details["flags"] = [
            {
                "id": f"{params.item}_{name}",
                "label": params.labels.get(name, name),
                "means": list(params.means[name]),
            }
        ]
    return RuleResult("category", outcome, None, None, None, (contribution,), details)


# --- flags (context questionnaires) ---------------------------------------------------------


class DatedBy(Params):
    """The month and year items that say when a measured value was taken."""

    month: Slug
    year: Slug


class Flag(Params):
    id: Slug
    label: str = Field(min_length=1, max_length=200)
    item: Slug
    in_: list[str] | None = Field(default=None, alias="in")
    at_most: float | None = None
    below: float | None = None
    means: list[Meaning] = Field(default=[], max_length=5)
    # For a measured value: what it is called in a sentence ("ferritin") and its date.
    measure: str | None = Field(default=None, min_length=1, max_length=60)
    dated_by: DatedBy | None = None
    # For a measured value: its LOINC code and UCUM unit (the FHIR export codes the
    # value with them; without them it exports no Observation for it).
    loinc: str | None = Field(default=None, pattern=r"^[0-9]{1,7}-[0-9]$")
    ucum: str | None = Field(default=None, min_length=1, max_length=30)


class Flags(Params):
    flags: list[Flag] = Field(min_length=1, max_length=50)


def _check_flags(definition: Definition, params: Flags) -> list[Problem]:
    problems: list[Problem] = []
    for index, flag in enumerate(params.flags):
        path = ("flags", index)
        problems += _unknown_items(definition, [flag.item], (*path, "item"))
        given = [key for key in ("in_", "at_most", "below") if getattr(flag, key) is not None]
        if len(given) != 1:
            problems.append((path, "give exactly one of 'in', 'at_most' or 'below'"))
        if flag.in_ is not None:
            problems += _unknown_values(definition, flag.item, flag.in_, (*path, "in"))
        is_number = isinstance(definition.item(flag.item), NumberItem)
        for key in ("at_most", "below"):
            if getattr(flag, key) is not None and not is_number:
                problems.append(((*path, key), f"'{key}' needs a number item"))
        if flag.dated_by is not None:
            dates = [flag.dated_by.month, flag.dated_by.year]
            problems += _unknown_items(definition, dates, (*path, "dated_by"))
    return problems


@rule("flags", Flags, _check_flags)
def flags(definition: Definition, params: Flags, answers: Answers):
    """Raise a flag for each answer that matches; a context, never a verdict.

    Flags on a number (``at_most``, ``below``) also report the value as a measurement,
    raised or not, with its date when ``dated_by`` names the month and year items, so an
    explanation can say what was typed rather than only which side of a line it fell.
    """
    raised = []
    contributions = []
    measurements: dict[str, dict[str, Any]] = {}
    for flag in params.flags:
        answer = answers.values.get(flag.item)
        if answer is None:
            hit = False
        elif flag.in_ is not None:
            chosen = (
                answer if isinstance(definition.item(flag.item), MultipleChoiceItem) else [answer]
            )
            hit = any(value in flag.in_ for value in chosen)
        elif flag.at_most is not None:
            hit = answer <= flag.at_most
        else:
            hit = answer < flag.below
        if hit:
            raised.append(_raised(flag))
        if flag.in_ is None and answer is not None:
            measurement = measurements.get(flag.item)
            if measurement is None:
                measurement = measurements[flag.item] = _measurement(definition, flag, answers)
            if hit:
                measurement["flags"].append(flag.id)
        contributions.append(Contribution(flag.item, answer, flag.item in answers.asked, hit))
    details: dict[str, Any] = {"flags": raised}
    if measurements:
        details["measurements"] = list(measurements.values())
    return RuleResult(
        "flags",
        Outcome.INFORMATIONAL,
        len(raised),
        None,
        len(params.flags),
        tuple(contributions),
        details,
    )


def _raised(flag: Flag) -> dict[str, Any]:
    raised: dict[str, Any] = {"id": flag.id, "label": flag.label}
    if flag.means:
        raised["means"] = list(flag.means)
    return raised


def _measurement(definition: Definition, flag: Flag, answers: Answers) -> dict[str, Any]:
    """A typed value, what it is called, its unit and (when asked) its month and year."""
    item = definition.item(flag.item)
    measurement: dict[str, Any] = {
        "item": flag.item,
        "measure": flag.measure or flag.item,
        "value": answers.values.get(flag.item),
        "unit": getattr(item, "unit", None) or "",
        "flags": [],
    }
    if flag.dated_by is not None:
        measurement["month"] = answers.values.get(flag.dated_by.month)
        measurement["year"] = answers.values.get(flag.dated_by.year)
    return measurement
