"""Line differences between two stored texts, as plain data for an escaped template."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: ``kind`` is "same", "added", "removed" or "gap"."""

    kind: str
    old_number: int | None
    new_number: int | None
    text: str


def diff_lines(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """The changed lines with ``context`` unchanged lines around them, numbered both sides.

    The template escapes ``text``; nothing here produces markup, so a ``<script>`` in a
    label is shown as text.
    """
    a, b = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for group_index, group in enumerate(matcher.get_grouped_opcodes(context)):
        if group_index or group[0][1] > 0:
            lines.append(DiffLine("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(
                    DiffLine("same", i + 1, j + 1, a[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            lines.extend(DiffLine("removed", i + 1, None, a[i]) for i in range(i1, i2))
            lines.extend(DiffLine("added", None, j + 1, b[j]) for j in range(j1, j2))
    return lines


def counts(lines: list[DiffLine]) -> tuple[int, int]:
    """How many lines were added and removed."""
    added = sum(1 for line in lines if line.kind == "added")
    removed = sum(1 for line in lines if line.kind == "removed")
    return added, removed


@dataclass(frozen=True)
class Change:
    """One change to a questionnaire or the texts, in words.

    ``subject`` says what changed ("Question 3 (q3) wording"); ``old`` and ``new`` are the
    values before and after (None when something was added or removed); ``summary`` is
    the whole change as one sentence. ``protected`` marks the wording, options and
    scoring that a validated instrument must keep unaltered.
    """

    subject: str
    old: str | None = None
    new: str | None = None
    note: str = ""
    protected: bool = False

    @property
    def summary(self) -> str:
        if self.note:
            return f"{self.subject}: {self.note}"
        if self.old is None:
            return f"{self.subject}: added “{self.new}”"
        if self.new is None:
            return f"{self.subject}: removed (was “{self.old}”)"
        return f"{self.subject}: “{self.old}” → “{self.new}”"


TOP_LABELS = {
    "title": "Title",
    "short_title": "Short title",
    "instructions": "Instructions",
    "recall_period": "Recall period",
    "closing": "Closing sentence",
    "terms": "Terms of use",
    "version": "Version",
    "kind": "Kind",
    "screens_for": "Screens for",
}
SECTION_LABELS = {"title": "title", "patient_title": "heading", "intro": "introduction"}
ITEM_LABELS = {"text": "wording", "help": "help text", "required": "required", "type": "type"}
PROTECTED_ITEM_KEYS = {"text", "type", "options", "min", "max", "integer", "exclusive"}


def _show(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_show(v)}" for k, v in value.items())
    return str(value)


def _value(subject: str, old, new, protected: bool = False) -> list[Change]:
    if old == new:
        return []
    return [Change(subject, _show(old), _show(new), protected=protected)]


def _leaves(value, prefix: tuple = ()) -> dict[tuple, object]:
    """Every value under ``value`` by its path; lists of blocks (flags, bands) by position."""
    if isinstance(value, dict):
        found: dict[tuple, object] = {}
        for key, child in value.items():
            found.update(_leaves(child, (*prefix, key)))
        return found
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        found = {}
        for index, child in enumerate(value, 1):
            found.update(_leaves(child, (*prefix, index)))
        return found
    return {prefix: value}


def _generic(subject: str, old, new, protected: bool = False) -> list[Change]:
    """Any block compared value by value (scoring parameters, a newer format's keys)."""
    a, b = _leaves(old or {}), _leaves(new or {})
    changes = []
    for path in [*a, *(p for p in b if p not in a)]:
        where = " › ".join(str(part).replace("_", " ") for part in path)
        changes += _value(f"{subject} {where}".strip(), a.get(path), b.get(path), protected)
    return changes


def _options(subject: str, old, new, protected: bool) -> list[Change]:
    if isinstance(old, str) or isinstance(new, str) or old is None or new is None:
        return _value(f"{subject} answer options", old, new, protected)
    before = {o.get("value"): o for o in old}
    after = {o.get("value"): o for o in new}
    changes = []
    for value, option in before.items():
        name = f"{subject} option “{option.get('label')}”"
        if value not in after:
            changes.append(Change(name, note="removed", protected=protected))
            continue
        other = after[value]
        changes += _value(
            f"{subject} option label", option.get("label"), other.get("label"), protected
        )
        if bool(option.get("highlight")) != bool(other.get("highlight")):
            state = "now shaded" if other.get("highlight") else "no longer shaded"
            changes.append(Change(name, note=state, protected=protected))
        changes += _value(f"{name} score", option.get("score"), other.get("score"), protected)
    for value, option in after.items():
        if value not in before:
            changes.append(
                Change(
                    f"{subject} option “{option.get('label')}”", note="added", protected=protected
                )
            )
    kept_old = [v for v in before if v in after]
    kept_new = [v for v in after if v in before]
    if kept_old != kept_new:
        changes.append(Change(f"{subject} options", note="reordered", protected=protected))
    return changes


def _items(data) -> dict[str, tuple[int, str, dict]]:
    found, number = {}, 0
    for section in data.get("sections") or []:
        for item in section.get("items") or []:
            number += 1
            found[item.get("id")] = (number, section.get("id"), item)
    return found


def _definition(old: dict, new: dict) -> list[Change]:
    changes: list[Change] = []
    for key, label in TOP_LABELS.items():
        changes += _value(label, old.get(key), new.get(key))
    changes += _generic("Source", old.get("source"), new.get("source"))
    sets_old, sets_new = old.get("option_sets") or {}, new.get("option_sets") or {}
    for name in [*sets_old, *(n for n in sets_new if n not in sets_old)]:
        changes += _options(
            f"Shared options “{name}”:", sets_old.get(name), sets_new.get(name), True
        )
    s_old = {s.get("id"): s for s in old.get("sections") or []}
    s_new = {s.get("id"): s for s in new.get("sections") or []}
    for number, (sid, section) in enumerate(s_new.items(), 1):
        subject = f"Page {number} ({sid})"
        if sid not in s_old:
            changes.append(Change(subject, note=f"added “{section.get('title')}”"))
            continue
        for key, label in SECTION_LABELS.items():
            changes += _value(f"{subject} {label}", s_old[sid].get(key), section.get(key))
        changes += _value(
            f"{subject} shown when", s_old[sid].get("show_if"), section.get("show_if")
        )
    changes += [Change(f"Page ({sid})", note="removed") for sid in s_old if sid not in s_new]
    if [s for s in s_old if s in s_new] != [s for s in s_new if s in s_old]:
        changes.append(Change("Pages", note="reordered"))
    i_old, i_new = _items(old), _items(new)
    for iid, (number, sid, item) in i_new.items():
        subject = f"Question {number} ({iid})"
        if iid not in i_old:
            changes.append(Change(subject, note=f"added “{item.get('text')}”", protected=True))
            continue
        before = i_old[iid][2]
        for key in [*before, *(k for k in item if k not in before)]:
            if key in ("id",):
                continue
            protected = key in PROTECTED_ITEM_KEYS
            if key == "options":
                changes += _options(subject, before.get(key), item.get(key), True)
            elif key == "show_if":
                changes += _value(f"{subject} shown when", before.get(key), item.get(key))
            else:
                label = ITEM_LABELS.get(key, key.replace("_", " "))
                changes += _value(f"{subject} {label}", before.get(key), item.get(key), protected)
        if i_old[iid][1] != sid:
            changes.append(Change(subject, note=f"moved to page {sid}"))
    for iid, (number, _, _item) in i_old.items():
        if iid not in i_new:
            changes.append(Change(f"Question {number} ({iid})", note="removed", protected=True))
    order_old = [i for i in i_old if i in i_new]
    if order_old != [i for i in i_new if i in i_old]:
        changes.append(Change("Questions", note="reordered", protected=True))
    changes += _scoring(old.get("scoring") or {}, new.get("scoring") or {})
    known = {*TOP_LABELS, "source", "option_sets", "sections", "scoring", "format_version", "id"}
    for key in [*old, *(k for k in new if k not in old)]:
        if key not in known:
            changes += _generic(key.replace("_", " ").capitalize(), old.get(key), new.get(key))
    return changes


def _scoring(old: dict, new: dict) -> list[Change]:
    changes = _value("Scoring rule", old.get("rule"), new.get("rule"), True)
    changes += _generic("Scoring", old.get("params"), new.get("params"), True)
    r_old = {r.get("name"): r for r in old.get("report") or []}
    r_new = {r.get("name"): r for r in new.get("report") or []}
    for name in [*r_old, *(n for n in r_new if n not in r_old)]:
        a, b = r_old.get(name), r_new.get(name)
        if a is None or b is None:
            changes.append(
                Change(
                    f"Also reported “{name}”",
                    note="added" if a is None else "removed",
                    protected=True,
                )
            )
            continue
        changes += _value(f"Also reported “{name}” label", a.get("label"), b.get("label"))
        changes += _value(f"Also reported “{name}” rule", a.get("rule"), b.get("rule"), True)
        changes += _generic(f"Also reported “{name}”", a.get("params"), b.get("params"), True)
    return changes


def _texts(old: dict, new: dict) -> list[Change]:
    changes = _value("Version", old.get("version"), new.get("version"))
    refs_old = {r.get("id"): r for r in old.get("references") or []}
    refs_new = {r.get("id"): r for r in new.get("references") or []}
    for rid in [*refs_old, *(r for r in refs_new if r not in refs_old)]:
        a, b = refs_old.get(rid), refs_new.get(rid)
        if a is None or b is None:
            changes.append(Change(f"Reference {rid}", note="added" if a is None else "removed"))
            continue
        changes += _value(f"Reference {rid} citation", a.get("citation"), b.get("citation"))
        changes += _value(f"Reference {rid} web address", a.get("url"), b.get("url"))
    p_old, p_new = old.get("paragraphs") or {}, new.get("paragraphs") or {}
    for key in [*p_old, *(k for k in p_new if k not in p_old)]:
        a, b = p_old.get(key), p_new.get(key)
        subject = f"Paragraph “{key}”"
        if a is None or b is None:
            changes.append(Change(subject, note="added" if a is None else "removed"))
            continue
        changes += _value(f"{subject} title", a.get("title"), b.get("title"))
        changes += _value(f"{subject} text", a.get("body"), b.get("body"))
        cites_a, cites_b = a.get("cites") or [], b.get("cites") or []
        added = [c for c in cites_b if c not in cites_a]
        removed = [c for c in cites_a if c not in cites_b]
        if added:
            changes.append(Change(subject, note="now cites " + ", ".join(added)))
        if removed:
            changes.append(Change(subject, note="no longer cites " + ", ".join(removed)))
    return changes


def describe(old_text: str, new_text: str) -> list[Change]:
    """The changes from ``old_text`` to ``new_text`` as a questionnaire editor reads them.

    Both texts are read by the safe parser; a text it refuses yields no changes (the
    line diff still shows what differs).
    """
    from screener.definitions.yaml_source import SourceError, parse

    try:
        old, new = parse(old_text).data, parse(new_text).data
    except SourceError:
        return []
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    if new.get("id") == "texts":
        return _texts(old, new)
    return _definition(old, new)
