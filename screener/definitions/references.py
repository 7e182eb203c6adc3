"""Cross-references from a definition to the explanatory texts, checked with their line.

A definition names paragraphs of the texts (what each outcome means, the referral, the
treated paragraph, cues). A name that the texts lack would silently show nothing, so it
is an error wherever a definition or the texts are imported, saved or published.
"""

from __future__ import annotations

from collections.abc import Iterator

from screener.definitions.loading import DefinitionError, Problem
from screener.definitions.schema import Definition, TextsDocument
from screener.definitions.yaml_source import SourceError, parse
from screener.wording import unknown_placeholders


def text_keys(definition: Definition) -> Iterator[tuple[tuple, str]]:
    """Every paragraph key the definition names, with its path in the file."""
    for outcome, words in definition.outcomes.items():
        for index, key in enumerate(words.texts):
            yield ("outcomes", outcome, "texts", index), key
    if definition.referral:
        yield ("referral", "texts"), definition.referral.texts
        if definition.referral.clinician:
            yield ("referral", "clinician"), definition.referral.clinician
    if definition.treated_text:
        yield ("treated_text",), definition.treated_text
    for index, spec in enumerate(definition.scoring.report):
        if spec.cues:
            yield ("scoring", "report", index, "cues"), spec.cues
    for index, line in enumerate(definition.trend):
        if line.margin_text:
            yield ("trend", index, "margin_text"), line.margin_text


def problems(
    definition: Definition, raw: bytes | str, file: str, texts: TextsDocument | None
) -> list[Problem]:
    """Unknown paragraph names and unknown caption placeholders, each with its line."""
    try:
        marks = parse(raw).marks
    except SourceError:
        marks = {}

    def at(path: tuple, message: str, hint: str) -> Problem:
        while path and path not in marks:
            path = path[:-1]
        mark = marks.get(path)
        return Problem(file, mark and mark.line, mark and mark.column, message, hint)

    found = []
    if texts is not None:
        for path, key in text_keys(definition):
            if key not in texts.paragraphs:
                found.append(
                    at(
                        path,
                        f"the texts have no paragraph {key!r}",
                        "add it to the explanatory texts first, or name one they have",
                    )
                )
    for voice in ("patient", "report"):
        template = getattr(definition.gauge, voice) or ""
        for name in unknown_placeholders(template):
            found.append(
                at(
                    ("gauge", voice),
                    f"the caption has an unknown placeholder {{{name}}}",
                    "use {score}, {maximum}, {threshold} or {band}",
                )
            )
    return found


def check(definition: Definition, raw: bytes | str, file: str, texts: TextsDocument | None) -> None:
    found = problems(definition, raw, file, texts)
    if found:
        raise DefinitionError(found)


CONDITION_FIELDS = ("consistent", "possible", "positive", "in_play")


def condition_problems(
    texts: TextsDocument, screened: set[str], raw: bytes | str, file: str
) -> list[Problem]:
    """Conditions the texts' rules name that no questionnaire screens for: such a rule
    would never hold, and its paragraph would silently never show."""
    try:
        marks = parse(raw).marks
    except SourceError:
        marks = {}
    found = []
    for where, name in named_conditions(texts):
        if name in screened:
            continue
        while where and where not in marks:
            where = where[:-1]
        mark = marks.get(where)
        found.append(
            Problem(
                file,
                mark and mark.line,
                mark and mark.column,
                f"no questionnaire screens for {name!r}, so this rule never holds",
                "name one of: " + (", ".join(sorted(screened)) or "(none yet)"),
            )
        )
    return found


def named_conditions(texts: TextsDocument) -> Iterator[tuple[tuple, str]]:
    """Every condition the texts' rules and reasons name, with its path in the file."""
    for path, when in texts.whens():
        for field in CONDITION_FIELDS:
            for index, name in enumerate(getattr(when, field)):
                yield (*path, "when", field, index), name
