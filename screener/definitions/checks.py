"""Checks that span several fields of a definition, each tied to the path it is about."""

from __future__ import annotations

import difflib
from typing import Any, get_args

from pydantic import ValidationError

from screener.definitions.schema import (
    REQUIRED_PARAGRAPHS,
    REQUIRED_PARAGRAPHS_2,
    REQUIRED_PARAGRAPHS_3,
    Definition,
    MultipleChoiceItem,
    NumberItem,
    TextItem,
    TextsDocument,
)
from screener.scoring.rules import RULES, Meaning

Problem = tuple[tuple[str | int, ...], str, str]  # path, what is wrong, how to fix it

# What one definition may put into the PDF summary at most (item texts, the longest
# possible answers, section titles), in characters: about ten pages. The summary as a
# whole is bounded again before layout (``screener.report.render.MAX_HTML_CHARS``).
MAX_REPORT_CHARS = 40_000
NUMBER_ANSWER_CHARS = 20


def report_chars(definition: Definition) -> int:
    """The most characters of question and answer text this definition can put in a PDF."""
    total = 0
    for section in definition.sections:
        total += len(section.title) + len(section.intro or "")
        for item in section.items:
            total += len(item.text) + len(item.help or "")
            labels = [len(option.label) for option in item.choices()]
            if isinstance(item, TextItem):
                total += item.max_length
            elif isinstance(item, NumberItem):
                total += NUMBER_ANSWER_CHARS + len(item.unit or "")
            elif isinstance(item, MultipleChoiceItem):
                total += sum(labels)
            elif labels:
                total += max(labels)
    return total


def resolve_option_sets(data: Any) -> list[Problem]:
    """Replace ``options: set_name`` with the named list, in place, before validation.

    YAML anchors are refused, so shared option lists are named in ``option_sets``.
    """
    if not isinstance(data, dict):
        return []
    sets = data.get("option_sets") or {}
    problems: list[Problem] = []
    for s_index, section in enumerate(data.get("sections") or []):
        if not isinstance(section, dict):
            continue
        for i_index, item in enumerate(section.get("items") or []):
            if isinstance(item, dict) and isinstance(item.get("options"), str):
                name = item["options"]
                if isinstance(sets, dict) and isinstance(sets.get(name), list):
                    item["options"] = sets[name]
                else:
                    known = ", ".join(sets) if isinstance(sets, dict) and sets else "none"
                    problems.append(
                        (
                            ("sections", s_index, "items", i_index, "options"),
                            f"there is no option set named {name!r}",
                            f"use one of the names under option_sets ({known}) or list the options",
                        )
                    )
    return problems


# Item ids become the field names of each step's form (screener.patient.questions). An
# id that is already a name of a WTForms / Flask-WTF form would shadow it: ``validate``
# would skip validation, CSRF check included; ``meta`` or ``process`` would break every
# save of the page. tests/test_definitions.py keeps this list complete.
RESERVED_ITEM_IDS = frozenset(
    {
        "csrf_token",
        "data",
        "errors",
        "form_errors",
        "hidden_tag",
        "is_submitted",
        "meta",
        "populate_obj",
        "post_process",
        "process",
        "validate",
        "validate_on_submit",
    }
)
# WTForms calls ``validate_<field>`` and ``filter_<field>`` on a form as inline hooks.
RESERVED_ITEM_PREFIXES = ("validate_", "filter_")


def check_definition(definition: Definition) -> list[Problem]:
    problems: list[Problem] = []
    seen_sections: set[str] = set()
    earlier: dict[str, Any] = {}
    for s_index, section in enumerate(definition.sections):
        s_path = ("sections", s_index)
        if section.id in seen_sections:
            problems.append(
                (
                    (*s_path, "id"),
                    f"the section id {section.id!r} is used twice",
                    "give every section its own id",
                )
            )
        seen_sections.add(section.id)
        if section.show_if:
            problems += _check_condition(section.show_if, earlier, (*s_path, "show_if"))
        section_items: dict[str, Any] = {}
        for i_index, item in enumerate(section.items):
            i_path = (*s_path, "items", i_index)
            if item.id in RESERVED_ITEM_IDS or item.id.startswith(RESERVED_ITEM_PREFIXES):
                problems.append(
                    (
                        (*i_path, "id"),
                        f"the item id {item.id!r} is a name the answer forms use themselves",
                        "choose another id, such as 'q_" + item.id + "'",
                    )
                )
            if item.id in earlier or item.id in section_items:
                problems.append(
                    (
                        (*i_path, "id"),
                        f"the item id {item.id!r} is used twice",
                        "give every item its own id; ids are how answers are stored",
                    )
                )
            if item.show_if:
                problems += _check_condition(
                    item.show_if, {**earlier, **section_items}, (*i_path, "show_if")
                )
            values = [option.value for option in item.choices()]
            duplicates = {v for v in values if values.count(v) > 1}
            if duplicates:
                problems.append(
                    (
                        (*i_path, "options"),
                        f"option values repeat: {', '.join(sorted(duplicates))}",
                        "give every option of an item its own value",
                    )
                )
            for value in getattr(item, "exclusive", []):
                if value not in values:
                    problems.append(
                        (
                            (*i_path, "exclusive"),
                            f"{value!r} is not an option of this item",
                            "list only values of this item's options",
                        )
                    )
            if isinstance(item, NumberItem) and item.min >= item.max:
                problems.append(
                    (
                        (*i_path, "min"),
                        "min must be smaller than max",
                        "swap or correct the two numbers",
                    )
                )
            section_items[item.id] = item
        earlier.update(section_items)
    problems += _check_scoring(definition)
    size = report_chars(definition)
    if size > MAX_REPORT_CHARS:
        problems.append(
            (
                ("sections",),
                f"the questions and longest possible answers come to {size:,} characters "
                f"in the PDF summary (at most {MAX_REPORT_CHARS:,})",
                "lower max_length of free-text items, or shorten or remove items",
            )
        )
    return problems


def _check_condition(condition, earlier: dict[str, Any], path) -> list[Problem]:
    target = earlier.get(condition.item)
    if target is None:
        return [
            (
                (*path, "item"),
                f"{condition.item!r} is not an earlier item",
                "a condition can only refer to an item asked before it",
            )
        ]
    allowed = {option.value for option in target.choices()}
    return [
        (
            (*path, "in", index),
            f"{value!r} is not an option of {condition.item!r}",
            f"use one of: {', '.join(sorted(allowed))}",
        )
        for index, value in enumerate(condition.in_)
        if allowed and value not in allowed
    ]


def _check_scoring(definition: Definition) -> list[Problem]:
    specs = [(("scoring",), definition.scoring)]
    specs += [(("scoring", "report", i), r) for i, r in enumerate(definition.scoring.report)]
    problems: list[Problem] = []
    for path, spec in specs:
        rule = RULES.get(spec.rule)
        if rule is None:
            close = difflib.get_close_matches(spec.rule, RULES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(
                (
                    (*path, "rule"),
                    f"there is no scoring rule {spec.rule!r}",
                    f"{hint}known rules: {', '.join(sorted(RULES))}",
                )
            )
            continue
        try:
            params = rule.params.model_validate(spec.params)
        except ValidationError as exc:
            fields = [f.alias or name for name, f in rule.params.model_fields.items()]
            for error in exc.errors():
                where = (*path, "params", *error["loc"])
                problems.append((where, *_param_problem(spec.rule, error, fields)))
            continue
        problems += [
            (
                (*path, "params", *p),
                f"{spec.rule}: {m}",
                "use item ids and option values defined in this file",
            )
            for p, m in rule.check(definition, params)
        ]
    problems += _check_screen(definition)
    return problems


def _check_screen(definition: Definition) -> list[Problem]:
    """A screen says what it screens for and has words for every outcome it can give."""
    if definition.kind != "screen":
        return []
    problems: list[Problem] = []
    if definition.screens_for is None:
        problems.append(
            (
                (),
                "a screen must say what it screens for",
                "add 'screens_for:' with a short id such as 'insomnia', or 'kind: context'",
            )
        )
    if definition.condition is None:
        problems.append(
            (
                (),
                "a screen must name its condition",
                "add 'condition: {name: ..., short: ...}' (the name in sentences and in short)",
            )
        )
    for outcome in sorted(possible_outcomes(definition) - set(definition.outcomes)):
        problems.append(
            (
                ("outcomes",) if definition.outcomes else (),
                f"the outcome {outcome!r} has no words",
                f"add 'outcomes: {{{outcome}: {{patient: ..., report: ...}}}}': what the "
                "patient and the report say for it",
            )
        )
    return problems


def possible_outcomes(definition: Definition) -> set[str]:
    """The outcomes the main rule can give, besides incomplete."""
    params = definition.scoring.params
    outcomes = {"consistent", "not_consistent"}
    if definition.scoring.rule == "criteria" and (params.get("unsure") or params.get("exclusions")):
        outcomes.add("possible")
    if definition.scoring.rule == "option_score_sum":
        bands = params.get("bands") or []
        given = {b.get("outcome") for b in bands if isinstance(b, dict)}
        outcomes = given & {"consistent", "possible", "not_consistent"}
    return outcomes


def _param_problem(rule: str, error: dict, fields: list[str]) -> tuple[str, str]:
    name = next((str(p) for p in reversed(error["loc"]) if isinstance(p, str)), "")
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(name, fields, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"{rule}: unknown parameter {name!r}", f"{hint}parameters: {', '.join(fields)}"
    if error["type"] == "missing":
        return f"{rule}: the parameter {name!r} is missing", f"add '{name}:' under params"
    return f"{rule}: {name}: {error['msg']}", f"parameters: {', '.join(fields)}"


def check_texts(texts: TextsDocument) -> list[Problem]:
    problems: list[Problem] = []
    ids = [reference.id for reference in texts.references]
    for index, ref_id in enumerate(ids):
        if ids.index(ref_id) != index:
            problems.append(
                (
                    ("references", index, "id"),
                    f"the reference id {ref_id!r} is used twice",
                    "give every reference its own id",
                )
            )
    required = {1: REQUIRED_PARAGRAPHS, 2: REQUIRED_PARAGRAPHS_2}.get(
        texts.format_version, REQUIRED_PARAGRAPHS_3
    )
    if texts.format_version >= 3:
        for path, key in texts.named():
            if key not in texts.paragraphs:
                problems.append(
                    (
                        path,
                        f"there is no paragraph {key!r}",
                        "add it under paragraphs or name one that is there",
                    )
                )
    for key in required:
        if key not in texts.paragraphs:
            problems.append(
                (
                    ("paragraphs",),
                    f"the paragraph {key!r} is missing",
                    "every paragraph the results page may show must be present",
                )
            )
    # A meaning no flag can have would never hold: its paragraph would silently never show.
    meanings = get_args(Meaning)
    wanted = [
        (("reasons", i), r) if isinstance(r, str) else (("reasons", i, "means"), r.means)
        for i, r in enumerate(texts.reasons)
    ] + [
        ((*path, "when", "means", i), m)
        for path, when in texts.whens()
        for i, m in enumerate(when.means)
    ]
    for path, meaning in wanted:
        if meaning not in meanings:
            close = difflib.get_close_matches(meaning, meanings, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(
                (
                    path,
                    f"no flag can mean {meaning!r}",
                    f"{hint}flags can mean: {', '.join(meanings)}",
                )
            )
    for key, paragraph in texts.paragraphs.items():
        for index, ref_id in enumerate(paragraph.cites):
            if ref_id not in ids:
                problems.append(
                    (
                        ("paragraphs", key, "cites", index),
                        f"the paragraph {key!r} cites {ref_id!r}, which is not a reference",
                        "add it under references or use one of: " + ", ".join(ids),
                    )
                )
    return problems
