"""The structured editor's fieldsets for one document, top to bottom, as plain data.

Each fieldset (the questionnaire, a shared option list, a page, a question, an option,
a condition, the scoring, a paragraph, a reference) lists its fields from the tables in
``structured_fields`` and its buttons; the form builder and the template walk the result.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from screener.services.structured_fields import (
    CONDITION_FIELDS,
    DEFINITION_FIELDS,
    GENERIC_BLOCKS,
    ITEM_FIELDS,
    ITEM_TYPES,
    OPTION_FIELDS,
    PARAGRAPH_FIELDS,
    REFERENCE_FIELDS,
    REPORT_FIELDS,
    SECTION_FIELDS,
    TYPE_FIELDS,
    Action,
    Field,
    Group,
    Path,
    Spec,
    encode,
    field_name,
)


def _fields(node: Any, base: Path, specs, choices=(), where: str = "") -> list[Field]:
    return [
        Field(
            field_name((*base, spec.key)),
            (*base, spec.key),
            spec,
            node.get(spec.key),
            choices,
            where,
        )
        for spec in specs
    ]


def _leaves(value: Any, base: Path, label: str) -> list[Field]:
    """Every scalar (or list of scalars) under ``value``, typed by what it holds now."""
    if isinstance(value, dict):
        found: list[Field] = []
        for key, child in value.items():
            found += _leaves(
                child, (*base, key), f"{label} › {_human(key)}" if label else _human(key)
            )
        return found
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        found = []
        for index, child in enumerate(value):
            found += _leaves(child, (*base, index), f"{label} {index + 1}")
        return found
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return []  # a mixed list: not edited here; the YAML view has it
    if isinstance(value, bool):
        kind = "flag"
    elif isinstance(value, int):
        kind = "integer"
    elif isinstance(value, float):
        kind = "number"
    elif isinstance(value, list):
        kind = "words"
    else:
        kind = "prose" if len(str(value or "")) > 100 else "line"
    spec = Spec(str(base[-1]), label or _human(base[-1]), kind, optional=False)
    return [Field(field_name(base), base, spec, value)]


def _human(key: Any) -> str:
    return str(key).replace("_", " ").capitalize()


def _move_actions(list_path: Path, index: int, count: int, kind: str, number: str) -> list[Action]:
    """Move and remove buttons, each naming what it moves ("Move question up")."""
    where, target = encode(list_path), f" {number}"
    actions = []
    if index > 0:
        actions.append(Action(f"up:{where}:{index}", f"Move {kind} up", target))
    if index < count - 1:
        actions.append(Action(f"down:{where}:{index}", f"Move {kind} down", target))
    if count > 1:
        actions.append(Action(f"remove:{where}:{index}", f"Remove {kind}", target, danger=True))
    return actions


def _options(options: Any, base: Path, owner: str) -> list[Group]:
    groups = []
    for index, option in enumerate(options):
        path = (*base, index)
        label = option.get("label") or option.get("value") or "new option"
        groups.append(
            Group(
                f"Option {index + 1}: {label}",
                path,
                "option",
                _fields(option, path, OPTION_FIELDS),
                actions=_move_actions(
                    base, index, len(options), "option", f"{index + 1} of {owner}"
                ),
            )
        )
    return groups


def _condition(node: Any, base: Path, earlier: list[tuple[str, str]], noun: str) -> Group | None:
    if not earlier:
        return None
    condition = node.get("show_if")
    path = (*base, "show_if")
    if condition is None:
        return Group(
            "Shown to everyone",
            path,
            "condition",
            actions=[
                Action(
                    f"add_condition:{encode(base)}", "Show only after a given answer", f" ({noun})"
                )
            ],
        )
    return Group(
        "Shown only when an earlier answer is one of those listed",
        path,
        "condition",
        _fields(condition, path, CONDITION_FIELDS, tuple(earlier)),
        actions=[
            Action(f"remove_condition:{encode(base)}", "Show to everyone", f" ({noun})", True)
        ],
    )


def _item_choice(item: Any, number: int) -> tuple[str, str]:
    text = str(item.get("text") or "")
    return str(item.get("id")), f"{number}. {text[:60]}{'…' if len(text) > 60 else ''}"


def definition_groups(document: Any) -> list[Group]:
    """The fieldsets of a questionnaire, top to bottom."""
    groups = [
        Group("The questionnaire", (), "definition", _fields(document, (), DEFINITION_FIELDS))
    ]
    for key, legend in GENERIC_BLOCKS:
        if key in document:
            groups.append(Group(legend, (key,), "block", _leaves(document[key], (key,), "")))
    sets = document.get("option_sets") or {}
    for name, options in sets.items():
        users = [
            str(item.get("id"))
            for section in document.get("sections") or []
            for item in section.get("items") or []
            if item.get("options") == name
        ]
        base = ("option_sets", name)
        groups.append(
            Group(
                f"Shared answer options “{name}”",
                base,
                "option_set",
                groups=_options(options, base, f"“{name}”"),
                actions=[Action(f"add:{encode(base)}", "Add an option", f" to “{name}”")],
                note="Used by " + (", ".join(users) if users else "no question") + ".",
            )
        )
    sections = document.get("sections") or []
    earlier: list[tuple[str, str]] = []
    number = 0
    for s_index, section in enumerate(sections):
        s_path = ("sections", s_index)
        page = Group(
            f"Page {s_index + 1}: {section.get('title') or ''}",
            s_path,
            "section",
            _fields(section, s_path, SECTION_FIELDS),
            actions=_move_actions(("sections",), s_index, len(sections), "page", str(s_index + 1)),
            add_item=True,
        )
        condition = _condition(section, s_path, list(earlier), f"page {s_index + 1}")
        if condition:
            page.groups.append(condition)
        items = section.get("items") or []
        section_earlier = list(earlier)
        for i_index, item in enumerate(items):
            number += 1
            i_path = (*s_path, "items", i_index)
            kind = str(item.get("type"))
            noun = f"question {number}"
            question = Group(
                f"Question {number} ({item.get('id')}): {ITEM_TYPES.get(kind, kind)}",
                i_path,
                "item",
                _fields(item, i_path, ITEM_FIELDS + TYPE_FIELDS.get(kind, ())),
                actions=_move_actions(
                    (*s_path, "items"), i_index, len(items), "question", str(number)
                ),
            )
            condition = _condition(item, i_path, section_earlier, noun)
            if condition:
                question.groups.append(condition)
            options = item.get("options")
            if isinstance(options, list):
                question.groups += _options(options, (*i_path, "options"), noun)
                question.actions.insert(
                    0, Action(f"add:{encode((*i_path, 'options'))}", "Add an option", f" to {noun}")
                )
            elif isinstance(options, str):
                question.note = f"Answer options: the shared options “{options}” above."
            page.groups.append(question)
            section_earlier.append(_item_choice(item, number))
        earlier = section_earlier
        groups.append(page)
    groups.append(_scoring(document.get("scoring") or {}))
    return groups


def _params(params: Any, base: Path) -> tuple[list[Field], list[Group]]:
    """A rule's parameters: plain values as fields, each block of a list (a flag, a band)
    as a fieldset of its own."""
    fields: list[Field] = []
    blocks: list[Group] = []
    for key, value in params.items():
        path = (*base, key)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for index, child in enumerate(value):
                name = child.get("label") or child.get("id") or ""
                blocks.append(
                    Group(
                        f"{_human(key).removesuffix('s')} {index + 1}"
                        + (f": {name}" if name else ""),
                        (*path, index),
                        "report",
                        _leaves(child, (*path, index), ""),
                    )
                )
        else:
            fields += _leaves(value, path, _human(key))
    return fields, blocks


def _scoring(scoring: Any) -> Group:
    fields, blocks = _params(scoring.get("params") or {}, ("scoring", "params"))
    group = Group(
        "Scoring", ("scoring",), "scoring", fields, blocks, note=f"Rule: {scoring.get('rule')}."
    )
    for index, report in enumerate(scoring.get("report") or []):
        path = ("scoring", "report", index)
        fields, blocks = _params(report.get("params") or {}, (*path, "params"))
        group.groups.append(
            Group(
                f"Also reported: {report.get('name')}",
                path,
                "report",
                _fields(report, path, REPORT_FIELDS) + fields,
                blocks,
                note=f"Rule: {report.get('rule')}.",
            )
        )
    return group


def texts_groups(document: Any) -> list[Group]:
    """The fieldsets of the explanatory texts: each paragraph, then each reference."""
    groups = []
    for key, paragraph in (document.get("paragraphs") or {}).items():
        path = ("paragraphs", key)
        groups.append(
            Group(
                f"Paragraph “{paragraph['title']}” ({key})"
                if paragraph.get("title")
                else f"Paragraph {key}",
                path,
                "paragraph",
                _fields(paragraph, path, PARAGRAPH_FIELDS),
            )
        )
    references = document.get("references") or []
    for index, reference in enumerate(references):
        path = ("references", index)
        name = f"Reference {reference.get('id')}"
        groups.append(
            Group(
                name,
                path,
                "reference",
                _fields(reference, path, REFERENCE_FIELDS),
                actions=_move_actions(("references",), index, len(references), "reference", name),
            )
        )
    return groups


def groups(document: Any) -> list[Group]:
    if document.get("id") == "texts":
        return texts_groups(document)
    return definition_groups(document)


def all_fields(found: list[Group], parent: str = "") -> list[Field]:
    """Every field, each knowing the fieldset it sits in ("Question 3 (q3) › Option 2")."""
    result: list[Field] = []
    for group in found:
        where = f"{parent} › {group.legend}" if parent else group.legend
        result += [item if item.where else replace(item, where=where) for item in group.fields]
        inner = group.legend if group.kind in ("item", "option_set", "scoring") else parent
        result += all_fields(group.groups, inner)
    return result
