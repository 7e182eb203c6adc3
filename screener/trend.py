"""A series' trend: each repeat screening's numbers and outcomes over time, as plain data.

The results page, the clinician page and the PDF all show the same trend, so it is
computed once, here, from the screenings' summaries (each scored on the definition
version it is pinned to). Nothing here knows an instrument: what is plotted comes from
each definition's ``trend`` lines, and the change too small to call a change (the
test's retest variation, or a stated careful margin) with the paragraph that says where
it comes from are data in the definition and the texts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from screener.amounts import plain
from screener.definitions.schema import Definition, TextsDocument, TrendLine
from screener.scoring.results import Outcome, Result, RuleResult
from screener.wording import outcome_key, outcome_words

NO_CLEAR_CHANGE = "No clear change"
SAME = "No change"
# Outcome levels, top to bottom, for the chart; the words are the definitions'.
LEVELS = (Outcome.CONSISTENT, Outcome.POSSIBLE, Outcome.NOT_CONSISTENT)
LEVEL_WORDS = {
    Outcome.CONSISTENT: "Consistent",
    Outcome.POSSIBLE: "Possibly consistent",
    Outcome.NOT_CONSISTENT: "Not consistent",
}


@dataclass(frozen=True)
class Visit:
    """One submitted screening of the series, with what it was scored on."""

    when: dt.datetime
    # (key, definition, version label, revision, result) of each questionnaire answered.
    instruments: Sequence[tuple[str, Definition, str, int, Result]]


@dataclass(frozen=True)
class Point:
    date: str
    value: float | None  # the count, or None for an outcome line or a missing value
    level: int | None  # for an outcome line: its row in ``LEVELS`` (0 = top)
    text: str  # "5 of 6", or the outcome in words
    version: str  # "v1.1 rev 1": the definition version this point was scored on
    change: str  # from the point before: "", "No clear change", "Up 3", …


@dataclass(frozen=True)
class Line:
    key: str
    title: str  # the instrument's short title
    label: str  # what is plotted ("Part A shaded answers")
    kind: str  # "count" or "outcome"
    maximum: float
    points: tuple[Point, ...]
    # A change this size or smaller is "no clear change"; None when no margin applies.
    margin: float | None
    margin_title: str
    margin_note: str
    # The cut-off of a count that has one (ASRS Part A): crossing it is always named.
    threshold: float | None = None

    @property
    def overall(self) -> str:
        """From the first point to the last, in the same words as each step."""
        values = [p for p in self.points if p.value is not None or p.level is not None]
        if len(values) < 2:
            return ""
        return _change(self, values[0], values[-1])


@dataclass(frozen=True)
class Trend:
    lines: tuple[Line, ...]
    dates: tuple[str, ...]

    @property
    def notes(self) -> tuple[tuple[str, str], ...]:
        """Each margin's paragraph once: (title, body)."""
        seen: dict[str, str] = {}
        for line in self.lines:
            if line.margin_note and line.margin_note not in seen:
                seen[line.margin_note] = line.margin_title
        return tuple((title, body) for body, title in seen.items())


def build(
    visits: Sequence[Visit],
    texts: TextsDocument,
    date_of: Callable[[dt.datetime], str],
    voice: str = "report",
) -> Trend | None:
    """The trend of ``visits`` (oldest first); None with fewer than two to compare."""
    if len(visits) < 2:
        return None
    latest = visits[-1]
    lines = []
    for key, definition, *_ in latest.instruments:
        for spec in definition.trend:
            line = _line(key, definition, spec, visits, texts, date_of, voice)
            if line is not None:
                lines.append(line)
    if not lines:
        return None
    return Trend(tuple(lines), tuple(date_of(v.when) for v in visits))


def _line(key, definition, spec: TrendLine, visits, texts, date_of, voice) -> Line | None:
    kind = "outcome" if spec.value == "outcome" else "count"
    raw: list[tuple[str, float | None, int | None, str, str]] = []
    maximum = 0.0
    threshold: float | None = None
    for visit in visits:
        found = next((i for i in visit.instruments if i[0] == key), None)
        if found is None:
            raw.append((date_of(visit.when), None, None, "Not asked", ""))
            continue
        _, pinned, version_label, revision, result = found
        version = f"v{version_label} rev {revision}"
        if kind == "outcome":
            outcome = result.outcome
            level = LEVELS.index(outcome) if outcome in LEVELS else None
            if outcome_key(pinned, result) == "screen_negative_treated":
                level = None  # the screen could not tell: not plotted as "not consistent"
            words = outcome_words(pinned, result, voice)
            raw.append((date_of(visit.when), None, level, words, version))
            continue
        rule = _rule(result, spec.value)
        if rule is None or rule.score is None:
            raw.append((date_of(visit.when), None, None, "Incomplete", version))
            continue
        top = rule.maximum or rule.score
        maximum = max(maximum, float(top))
        if rule.threshold is not None:
            threshold = float(rule.threshold)
        text = (
            f"{plain(rule.score)} of {plain(rule.maximum)}" if rule.maximum else plain(rule.score)
        )
        raw.append((date_of(visit.when), float(rule.score), None, text, version))
    if all(value is None and level is None for _, value, level, _, _ in raw):
        return None
    paragraph = texts.paragraphs.get(spec.margin_text or "")
    line = Line(
        key=key,
        title=definition.short_title,
        label=spec.label,
        kind=kind,
        maximum=maximum or 1.0,
        points=(),
        margin=spec.no_clear_change if kind == "count" else None,
        margin_title=(paragraph.title or "") if paragraph else "",
        margin_note=paragraph.body if paragraph else "",
        threshold=threshold,
    )
    points: list[Point] = []
    previous: Point | None = None
    for date, value, level, text, version in raw:
        point = Point(date, value, level, text, version, "")
        if previous is not None and (value is not None or level is not None):
            point = Point(date, value, level, text, version, _change(line, previous, point))
        if value is not None or level is not None:
            previous = point
        points.append(point)
    return replace(line, points=tuple(points))


def _rule(result: Result, name: str) -> RuleResult | None:
    return result.main if name == "score" else result.report(name)


def _change(line: Line, before: Point, after: Point) -> str:
    """How ``after`` differs from ``before``, in neutral words: within the margin it is
    "no clear change", and a crossing of the cut-off is always said, so a small change
    across it reads "No clear change, down 1, now below the cut-off" (the screen's
    outcome changed, but by less than the margin).

    A count going down is not called "better": a screen's count is not a measure of how
    someone is, and the margin has no published retest figure behind it."""
    if line.kind == "outcome":
        if before.level == after.level and before.text == after.text:
            return SAME
        if before.level is None:
            return "Changed"
        return f"Changed (was {LEVEL_WORDS[LEVELS[before.level]].lower()})"
    if before.value is None or after.value is None:
        return ""
    difference = after.value - before.value
    amount = f"{'Up' if difference > 0 else 'Down'} {plain(abs(difference))}"
    if line.threshold is not None and (before.value >= line.threshold) != (
        after.value >= line.threshold
    ):
        side = "at or above" if after.value >= line.threshold else "below"
        crossed = f"{amount}, now {side} the cut-off"
        if line.margin is not None and abs(difference) <= line.margin:
            return f"{NO_CLEAR_CHANGE}, {crossed[0].lower()}{crossed[1:]}"
        return crossed
    if difference == 0:
        return SAME
    if line.margin is not None and abs(difference) <= line.margin:
        return NO_CLEAR_CHANGE
    return amount
