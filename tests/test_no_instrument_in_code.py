"""Nothing in the code knows a shipped instrument: its ids live only in its definition.

Every string literal in screener/ is compared with the instrument ids, item ids and flag
ids of the shipped definitions. A match means the code decides something about one
instrument that its file should say (issue: definitions drive everything).
"""

from __future__ import annotations

import ast
from pathlib import Path

import screener
from tests.helpers import catalog

PACKAGE = Path(screener.__file__).parent
# Words of the definition language that happen to equal an id of a shipped file: what a
# flag *means* ("pregnancy", "family_history") is a keyword every definition may use, not
# a reference to the iron questions' flags of those names.
LANGUAGE = {"pregnancy", "family_history"}


def _shipped_ids() -> set[str]:
    ids = set()
    for key, (definition, _) in catalog().definitions.items():
        ids.add(key)
        ids.update(item.id for item in definition.items())
        specs = [definition.scoring, *definition.scoring.report]
        for spec in specs:
            ids.update(flag["id"] for flag in spec.params.get("flags", []))
    return ids - LANGUAGE


def _literals(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_no_shipped_id_appears_in_the_code():
    ids = _shipped_ids()
    assert {"asrs-v1.1", "q7", "ferritin", "leg_medicine", "low_ferritin"} <= ids
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {value!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
        for line, value in _literals(path)
        if value in ids
    ]
    assert found == []


def test_the_check_finds_an_id_when_there_is_one(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('KEY = "rls-irlssg"\n')
    assert [value for _, value in _literals(sample)] == ["rls-irlssg"]
    assert "rls-irlssg" in _shipped_ids()
