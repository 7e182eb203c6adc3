"""The structured editor's changes to a document: typed values in, actions applied.

The document is the round-trip form of a stored text (``definitions.round_trip``); only
the values a staff member changed are written, so every other key, comment and quote
comes back exactly as it was. The result is checked by the same loader as a YAML edit
before it is previewed or saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from screener.definitions import round_trip
from screener.definitions.round_trip import CommentedMap, CommentedSeq
from screener.services.structured_fields import (
    ITEM_TYPES,
    LISTS,
    Field,
    Path,
    decode,
)


class ActionError(ValueError):
    """The button pressed does not fit the document (a stale or altered form)."""


def _node(document: Any, path: Path) -> Any:
    node = document
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            raise ActionError("the form does not match the questionnaire") from None
    return node


def convert(spec_kind: str, raw: Any, current: Any) -> Any:
    """The posted value of one field as the document should hold it (None: leave it out)."""
    if spec_kind == "flag":
        return bool(raw)
    if raw is None:
        return None
    if spec_kind in ("integer", "number"):
        if raw == "":
            return None
        number = float(raw) if not isinstance(raw, int | float) else raw
        return int(number) if spec_kind == "integer" or number == int(number) else number
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if spec_kind == "words":
        words = [word for word in re.split(r"[,\s]+", text) if word]
        if current and all(isinstance(v, int) and not isinstance(v, bool) for v in current):
            words = [int(word) if word.isdigit() else word for word in words]
        return words or None
    if spec_kind != "prose":
        text = " ".join(text.split())
    return text or None


def apply_values(document: Any, fields: list[Field], values: Mapping[str, Any]) -> None:
    """Write each field's posted value into ``document``, touching only what changed."""
    for item in fields:
        parent = _node(document, item.path[:-1])
        key = item.path[-1]
        spec = item.spec
        current = parent.get(key) if isinstance(parent, dict) else parent[key]
        new = convert(spec.kind, values.get(item.name), current)
        if spec.kind == "words" and new is not None and list(current or []) == new:
            continue
        if spec.kind == "flag" and current is None and new == spec.default:
            continue
        if new is None:
            if spec.optional and isinstance(parent, dict):
                parent.pop(key, None)
            elif spec.kind == "words":
                parent[key] = _flow([])
            elif current not in (None, ""):
                parent[key] = ""
            continue
        if new == current and isinstance(new, bool) == isinstance(current, bool):
            continue
        if isinstance(new, str):
            new = round_trip.styled(current, new)
        elif isinstance(new, list):
            new = _flow(new)
        parent[key] = new


def _is_list_path(path: Path) -> bool:
    """A list the buttons may change: pages, questions, options (a question's or shared)."""
    if len(path) == 2 and path[0] == "option_sets":
        return True
    return bool(path) and path[-1] in LISTS


def _flow(values: list) -> CommentedSeq:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


def _new_id(document: Any, prefix: str) -> str:
    taken = {
        str(item.get("id"))
        for section in document.get("sections") or []
        for item in section.get("items") or []
    } | {str(section.get("id")) for section in document.get("sections") or []}
    number = 1
    while f"{prefix}_{number}" in taken:
        number += 1
    return f"{prefix}_{number}"


def _new_option(options: list) -> CommentedMap:
    taken = {str(option.get("value")) for option in options}
    number = len(options) + 1
    while f"option_{number}" in taken:
        number += 1
    return CommentedMap(value=f"option_{number}", label=f"Option {number}")


def new_item(document: Any, kind: str) -> CommentedMap:
    item = CommentedMap(id=_new_id(document, "question"), type=kind, text="New question")
    if kind in ("single_choice", "multiple_choice"):
        item["options"] = CommentedSeq([_new_option([]), _new_option([{"value": "option_1"}])])
    elif kind == "number":
        item["min"], item["max"] = 0, 100
    return item


def apply_action(document: Any, action: str, new_item_type: str | None = None) -> str:
    """Carry out one button (move, add, remove ...); return what happened, in words."""
    verb, _, rest = action.partition(":")
    where, _, index_text = rest.partition(":")
    path = decode(where)
    if verb in ("up", "down", "remove"):
        if not _is_list_path(path) or not index_text.isdigit():
            raise ActionError("the form does not match the questionnaire")
        seq, index = _node(document, path), int(index_text)
        if not isinstance(seq, list) or not 0 <= index < len(seq):
            raise ActionError("the form does not match the questionnaire")
        if verb == "remove":
            if len(seq) <= 1:
                raise ActionError("the last one cannot be removed")
            del seq[index]
            return "Removed. Nothing is saved until you save the draft."
        other = index - 1 if verb == "up" else index + 1
        if not 0 <= other < len(seq):
            raise ActionError("it cannot move further")
        seq[index], seq[other] = seq[other], seq[index]
        return "Moved. Nothing is saved until you save the draft."
    if (
        verb == "add"
        and _is_list_path(path)
        and path[-1] not in ("sections", "items", "references")
    ):
        seq = _node(document, path)
        if not isinstance(seq, list):
            raise ActionError("the form does not match the questionnaire")
        seq.append(_new_option(seq))
        return "Option added at the end. Nothing is saved until you save the draft."
    if verb == "add_item" and len(path) == 2 and path[0] == "sections":
        if new_item_type not in ITEM_TYPES:
            raise ActionError("choose the kind of question to add")
        _node(document, (*path, "items")).append(new_item(document, new_item_type))
        return "Question added at the end of the page. Nothing is saved until you save the draft."
    if verb == "add_reference" and not path:
        references = _node(document, ("references",))
        taken = {str(reference.get("id")) for reference in references}
        number = len(references) + 1
        while f"reference_{number}" in taken:
            number += 1
        references.append(
            CommentedMap(id=f"reference_{number}", citation="Author A. Title. Journal. Year.")
        )
        return "Reference added at the end. Nothing is saved until you save the draft."
    if verb == "add_section" and not path:
        sections = _node(document, ("sections",))
        sections.append(
            CommentedMap(
                id=_new_id(document, "page"),
                title=f"Page {len(sections) + 1}",
                items=CommentedSeq([new_item(document, "yes_no")]),
            )
        )
        return "Page added at the end. Nothing is saved until you save the draft."
    if verb in ("add_condition", "remove_condition") and path:
        node = _node(document, path)
        if verb == "remove_condition":
            node.pop("show_if", None)
            return "Condition removed. Nothing is saved until you save the draft."
        earlier = _earlier_choice_item(document, path)
        if earlier is None:
            raise ActionError("there is no earlier question to depend on")
        values = [option.get("value") for option in _choices(document, earlier)][:1] or ["yes"]
        node["show_if"] = CommentedMap(item=earlier.get("id"))
        node["show_if"]["in"] = _flow(values)
        return "Condition added: check it. Nothing is saved until you save the draft."
    raise ActionError("that button is not known")


def _choices(document: Any, item: Any) -> list:
    options = item.get("options")
    if isinstance(options, str):
        return list((document.get("option_sets") or {}).get(options) or [])
    if isinstance(options, list):
        return options
    if item.get("type") == "yes_no":
        return [{"value": "yes"}, {"value": "no"}]
    return []


def _earlier_choice_item(document: Any, path: Path) -> Any | None:
    """The nearest question before ``path`` that has answers to choose from."""
    found = None
    for s_index, section in enumerate(document.get("sections") or []):
        for i_index, item in enumerate(section.get("items") or []):
            here = ("sections", s_index, "items", i_index)
            if here == path or (len(path) == 2 and path == ("sections", s_index)):
                return found
            if _choices(document, item):
                found = item
    return found
