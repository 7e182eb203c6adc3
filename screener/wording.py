"""What an instrument's result is called, in the patient's and in the report's voice.

The words belong to the definition (format 2: ``outcomes`` and ``gauge``). What is
generic to a scoring rule (how a count of criteria or of shaded answers reads when the
definition gives no caption of its own) is written here, once, for the results page, the
PDF and the clinician page alike.
"""

from __future__ import annotations

import re
from typing import Literal

from screener.definitions.schema import Definition
from screener.models.screening import CANNOT_TELL_TREATED
from screener.report.types import Gauge
from screener.scoring.results import Outcome, Result, RuleResult

Voice = Literal["patient", "report"]
PLACEHOLDERS = ("score", "maximum", "threshold", "band")
_PLACEHOLDER = re.compile(r"\{([a-z_]*)\}")
_BRACED = re.compile(r"\{([^{}]*)\}")

GENERIC = {
    Outcome.CONSISTENT: "Consistent with {}",
    Outcome.POSSIBLE: "Possibly consistent with {}",
    Outcome.NOT_CONSISTENT: "Not consistent with {}",
    Outcome.INCOMPLETE: "Incomplete: not scored",
    Outcome.INFORMATIONAL: "For context (not a screen)",
}
CRITERIA = "{score} of {maximum} criteria were met. All {threshold} are needed."
# A criteria count asked with questions about other causes, and what was said of them.
FEATURES = "Your answers fit {score} of the {maximum} main features. All {maximum} are needed."
OTHER_CAUSE = {
    "reported": " You told us about another possible cause.",
    "unsure": " You were not sure about another possible cause.",
    "none": " You did not report another cause.",
}


def screen_not_asked(main: RuleResult) -> bool:
    """The criteria were skipped because the screening question was answered no.

    Older definitions (rls-irlssg 1.1) counted the screening question as the first
    criterion; there, a "no" to it with every other criterion unasked means the same.
    """
    if main.rule != "criteria":
        return False
    if main.details.get("screen") == "negative":
        return True
    first, *rest = main.contributions or (None,)
    return bool(rest) and first.asked and not first.counts and not any(c.asked for c in rest)


def outcome_key(definition: Definition, result: Result) -> str:
    """Which of the definition's ``outcomes`` describes ``result``: its outcome's own, or
    for a "no" to the screening question ``screen_negative``, or, when that "no" came
    from someone treated for the condition (a raised flag that means "treated"),
    ``screen_negative_treated``: the treatment may hide the very feelings the question
    asks about, so "not consistent" would reassure falsely."""
    main = result.main
    if main.details.get("screen") == "negative":
        if _treated(result) and "screen_negative_treated" in definition.outcomes:
            return "screen_negative_treated"
        if "screen_negative" in definition.outcomes:
            return "screen_negative"
    return main.outcome.value


# The shown outcomes that call for a clinician's attention: the worklist's outcome filters
# and the flagged look of a result on the clinician's page, the PDF and the results page.
FLAGGED = frozenset({"consistent", "possible", CANNOT_TELL_TREATED})


def shown_outcome(definition: Definition, result: Result) -> str:
    """The outcome as clinicians' lists show it: the scoring outcome, except
    ``cannot_tell_treated`` where the summary says "cannot tell" (``outcome_key``).

    Stored with each result (``ScreeningResult.shown_outcome``) so that the worklist can
    filter on it in SQL."""
    if outcome_key(definition, result) == "screen_negative_treated":
        return CANNOT_TELL_TREATED
    return result.outcome.value


def _treated(result: Result) -> bool:
    return any(
        "treated" in flag.get("means", ())
        for report in result.flagging_reports
        for flag in report.details["flags"]
    )


def outcome_words(definition: Definition, result: Result, voice: Voice) -> str:
    """The outcome of a screen in a few words: "Possibly consistent with ..."."""
    words = definition.outcomes.get(outcome_key(definition, result))
    if words is not None:
        return getattr(words, voice)
    main = result.main
    name = definition.condition.name if definition.condition else definition.short_title
    return GENERIC[main.outcome].format(name)


def fill(template: str, numbers: dict[str, object]) -> str:
    """A caption with its placeholders filled; nothing else in it is read as code."""
    return _PLACEHOLDER.sub(lambda m: str(numbers.get(m.group(1), m.group(0))), template)


def unknown_placeholders(template: str) -> list[str]:
    return [name for name in _BRACED.findall(template) if name not in PLACEHOLDERS]


def gauge(definition: Definition, main: RuleResult, voice: Voice) -> Gauge | None:
    """The score bar's numbers and caption; None when there is nothing to count."""
    if main.score is None or not main.maximum or screen_not_asked(main):
        return None
    score, maximum = int(main.score), int(main.maximum)
    threshold = None if main.threshold is None else int(main.threshold)
    band = main.details.get("band") or ""
    numbers = {"score": score, "maximum": maximum, "threshold": threshold, "band": band}
    template = getattr(definition.gauge, voice)
    if template:
        caption = fill(template, numbers)
    elif voice == "patient":
        caption = _patient_caption(main, numbers)
    else:
        caption = _report_caption(main, numbers)
    return Gauge(score, maximum, threshold, caption)


def _patient_caption(main: RuleResult, numbers: dict[str, object]) -> str:
    threshold, band = numbers["threshold"], numbers["band"]
    if main.rule == "criteria":
        if "other_causes" not in main.details:
            return fill(
                "{score} of {maximum} criteria were met. All {threshold} are needed.", numbers
            )
        return fill(FEATURES, numbers) + OTHER_CAUSE[_other_cause(main)]
    if main.rule == "highlighted_count":
        caption = fill("{score} of {maximum} answers were in the range that counts.", numbers)
        return caption + (f" {threshold} or more is above the cut-off." if threshold else "")
    caption = fill("Your score is {score} of {maximum}.", numbers)
    return caption + (f" {band}." if band else "")


def _report_caption(main: RuleResult, numbers: dict[str, object]) -> str:
    score, maximum, threshold = numbers["score"], numbers["maximum"], numbers["threshold"]
    if main.rule == "criteria":
        return criteria_caption(main)
    if main.rule == "highlighted_count":
        caption = f"{score} of {maximum} answers in the shaded boxes"
        return caption + (f" (cut-off: {threshold} or more)" if threshold is not None else "")
    caption = f"Score {score} of {maximum}"
    if threshold is not None:
        caption += f" (cut-off: {threshold})"
    if numbers["band"]:
        caption += f": {numbers['band']}"
    return caption


def _other_cause(main: RuleResult) -> str:
    if main.details.get("other_causes"):
        return "reported"
    if main.details.get("other_causes_unsure"):
        return "unsure"
    return "none"


def criteria_caption(main: RuleResult) -> str:
    """What a criteria count means, counting exactly what the rule counts."""
    score, maximum = int(main.score or 0), int(main.maximum or 0)
    if "other_causes" not in main.details:
        return f"{score} of {maximum} criteria met (all {maximum} are needed)"
    caption = f"{score} of {maximum} main features (all {maximum} are needed)"
    reported = len(main.details.get("other_causes", []))
    unsure = len(main.details.get("other_causes_unsure", []))
    if reported:
        caption += f"; another cause reported ({reported})"
    elif unsure:
        caption += f"; not sure about another cause ({unsure})"
    else:
        caption += "; no other cause reported"
    return caption
