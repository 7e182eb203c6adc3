"""Validated instruments whose terms say their wording must stay as published.

A published, validated instrument (such as the WHO's ASRS) may be used only with its
item wording, response options and scoring unaltered. Changing them is not forbidden
(a clinic may hold a licence, or correct a typo against the original), but it must be
a deliberate decision: the editor asks for an explicit confirmation and the audit trail
records it as such.
"""

from __future__ import annotations

import re

from screener.definitions.yaml_source import SourceError, parse
from screener.services.version_diff import Change, describe

# Today the rule is read from the terms text; a definition format with an explicit
# flag would be read here, and only here.
_UNALTERED = re.compile(
    r"\bunaltered\b|\bmust not be (?:altered|changed|modified)\b|\bdo not (?:alter|modify)\b",
    re.IGNORECASE,
)


def must_stay_unaltered(text: str) -> bool:
    """Whether the definition in ``text`` says its wording, options and scoring are fixed."""
    try:
        data = parse(text).data
    except SourceError:
        return False
    terms = data.get("terms") if isinstance(data, dict) else None
    return isinstance(terms, str) and bool(_UNALTERED.search(terms))


def protected_changes(old_text: str, new_text: str) -> list[Change]:
    """The changes to wording, options or scoring, when ``old_text`` must stay unaltered."""
    if not must_stay_unaltered(old_text):
        return []
    return [change for change in describe(old_text, new_text) if change.protected]


def audit_entry(old_text: str | None, new_text: str, note: str | None) -> tuple[str, str | None]:
    """The audit action and detail for a saved edit: a confirmed change to an instrument
    that must stay unaltered is recorded as such, with what it changed."""
    changed = protected_changes(old_text, new_text) if old_text is not None else []
    if not changed:
        return "definition.save", note
    return "definition.save_protected_change", "; ".join(change.summary for change in changed)
