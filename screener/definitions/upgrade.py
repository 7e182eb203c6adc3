"""Format-1 definitions as format 2: the keys format 1 left to the code.

What the code once knew about the two screens and the iron questions is written down in
``format1.yaml``. A format-1 document gets it when it is loaded (a revision stored before
format 2 keeps reading exactly as it did) and ``screener questionnaires upgrade`` writes
it into the file itself.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from screener.definitions.yaml_source import parse

TABLE = Path(__file__).with_name("format1.yaml")
# Keys added at the top level of a definition, in the order they are written.
TOP_LEVEL = ("condition", "offer", "outcomes", "gauge", "referral", "treated_text", "domains")


@cache
def _table() -> dict[str, Any]:
    return yaml.safe_load(TABLE.read_text(encoding="utf-8"))


def _entry(section: dict[str, Any], key: Any) -> dict[str, Any]:
    """The table's entry for ``key``; nothing for a key that is not text (a typo'd file)."""
    return section.get(key, {}) if isinstance(key, str) else {}


def additions(data: dict[str, Any]) -> dict[str, Any]:
    """The top-level keys a format-1 definition ``data`` gains, in writing order."""
    table = _table()
    by_condition = _entry(table["conditions"], data.get("screens_for"))
    by_id = _entry(table["definitions"], data.get("id"))
    added = {**by_condition, **by_id}
    return {key: copy.deepcopy(added[key]) for key in TOP_LEVEL if key in added}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A format-1 definition (parsed YAML) as format 2; other documents are returned as is."""
    if not isinstance(data, dict) or data.get("format_version") != 1:
        return data
    table = _table()
    upgraded = {**data, "format_version": 2, **additions(data)}
    scoring = upgraded.get("scoring")
    if isinstance(scoring, dict):
        upgraded["scoring"] = scoring = dict(scoring)
        _upgrade_reports(scoring, data, table)
        reports = scoring.get("report")
        specs = [scoring, *(reports if isinstance(reports, list) else [])]
        meanings = _flag_meanings(specs, table)
        if meanings:
            upgraded["flag_meanings"] = meanings
    return upgraded


def _upgrade_reports(scoring: dict[str, Any], data: dict[str, Any], table) -> None:
    """Cue paragraphs for counts with no cut-off; words for categories with no labels."""
    condition = _entry(table["conditions"], data.get("screens_for"))
    words = _entry(table["definitions"], data.get("id")).get("category_words", {})
    given = scoring.get("report")
    if not isinstance(given, list):
        return  # validation reports what is wrong with it
    reports = []
    for spec in given:
        spec = dict(spec) if isinstance(spec, dict) else spec
        params = spec.get("params") if isinstance(spec, dict) else None
        if isinstance(params, dict):
            counts = spec.get("rule") == "highlighted_count" and "threshold" not in params
            if counts and "cues" in condition and isinstance(spec.get("name"), str):
                spec["cues"] = condition["cues"].format(report=spec["name"])
            named = params.get("categories")
            unlabelled = spec.get("rule") == "category" and "labels" not in params
            if unlabelled and words and isinstance(named, dict):
                spec["words"] = {k: words[k] for k in named if isinstance(k, str) and k in words}
        reports.append(spec)
    scoring["report"] = reports


def _flag_meanings(specs: list[Any], table) -> dict[str, list[str]]:
    """What each flag without ``means`` meant when format 1 was current."""
    meanings = {}
    for spec in specs:
        if not isinstance(spec, dict) or spec.get("rule") != "flags":
            continue
        params = spec.get("params")
        flags = params.get("flags") if isinstance(params, dict) else None
        for flag in flags if isinstance(flags, list) else []:
            flag_id = flag.get("id") if isinstance(flag, dict) else None
            if isinstance(flag_id, str) and "means" not in flag:
                meanings[flag_id] = table["flag_meanings"].get(flag_id, table["other_flags_mean"])
    return meanings


TEXTS_RULES = ("explain", "clinician", "reasons", "no_referral", "context_box")


def upgrade_texts(data: dict[str, Any]) -> dict[str, Any]:
    """Texts in format 1 or 2 with the rules the code once applied to them."""
    if not isinstance(data, dict) or data.get("format_version") not in (1, 2):
        return data
    rules = copy.deepcopy(_table()["texts"])
    upgraded = {**data, **{key: rules[key] for key in TEXTS_RULES if key not in data}}
    paragraphs = data.get("paragraphs")
    if isinstance(paragraphs, dict):
        upgraded["paragraphs"] = {**rules["paragraphs"], **paragraphs}
    return upgraded


def upgrade_texts_text(raw: str) -> str:
    """Format-2 texts rewritten as format 3: their rules written at the end."""
    data = parse(raw).data
    if not isinstance(data, dict) or data.get("format_version") not in (1, 2):
        return raw
    if not _TEXTS_FORMAT_LINE.search(raw):
        return _dump({**upgrade_texts(data), "format_version": 3})
    text = _TEXTS_FORMAT_LINE.sub("format_version: 3", raw, count=1)
    rules = {key: copy.deepcopy(_table()["texts"][key]) for key in TEXTS_RULES}
    # Alternatives that only older texts needed (a paragraph these texts lack) are left out.
    have = set(data.get("paragraphs") or {})
    for entry in rules["explain"]:
        if "first" in entry:
            entry["first"] = [rule for rule in entry["first"] if rule["show"] in have]
    return text.rstrip("\n") + "\n# Which paragraphs apply when (format 3).\n" + _dump(rules)


_TEXTS_FORMAT_LINE = re.compile(r"^format_version:\s*[12]\s*$", re.M)
_FORMAT_LINE = re.compile(r"^format_version:\s*1\s*$", re.M)


def upgrade_text(raw: str) -> str:
    """A format-1 file rewritten as format 2, keeping its own lines and comments.

    Only top-level keys are added (at the end); a file whose reports or flags also need
    upgrading (rls-irlssg 1.1, iron-context 1.1) is written out whole instead.
    """
    data = parse(raw).data  # the same safe reading as loading ("yes" stays a string)
    if not isinstance(data, dict) or data.get("format_version") != 1:
        return raw
    upgraded = upgrade(data)
    extra = {k: v for k, v in upgraded.items() if k not in data and k != "flag_meanings"}
    nested_changes = upgraded.get("scoring") != data.get("scoring") or "flag_meanings" in upgraded
    if nested_changes or not _FORMAT_LINE.search(raw):
        body = {k: v for k, v in upgraded.items() if k != "flag_meanings"}
        return _dump(_with_flag_meanings(body, upgraded.get("flag_meanings", {})))
    text = _FORMAT_LINE.sub("format_version: 2", raw, count=1)
    return text.rstrip("\n") + "\n# Added by format 2.\n" + _dump(extra)


def _with_flag_meanings(body: dict[str, Any], meanings: dict[str, list[str]]) -> dict[str, Any]:
    """Write each flag's meaning into the flag itself, as format 2 files do."""
    if not meanings:
        return body
    body = copy.deepcopy(body)
    scoring = body["scoring"]
    for spec in [scoring, *(scoring.get("report") or [])]:
        if spec.get("rule") == "flags":
            for flag in spec["params"]["flags"]:
                if flag["id"] in meanings:
                    flag["means"] = meanings[flag["id"]]
    return body


class _Dumper(yaml.SafeDumper):
    """Writes every value out in full: definitions refuse YAML anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88)
