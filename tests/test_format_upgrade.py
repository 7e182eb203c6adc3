"""Format-1 definitions: they still load as format 2, and the upgrade command writes the
same definition into the file, so a screening reads the same either way."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.definitions.loading import load_definition_text
from tests.helpers import LEGACY

FILES = ["asrs-v1.1-r1.yaml", "rls-irlssg-1.1.yaml", "iron-context-1.1.yaml"]


@pytest.mark.parametrize("name", FILES)
def test_the_upgrade_command_writes_what_loading_a_format_1_file_gives(tmp_path, name):
    original = (LEGACY / name).read_text()
    path = tmp_path / name
    shutil.copy(LEGACY / name, path)
    result = CliRunner().invoke(cli, ["questionnaires", "upgrade", str(path)])
    assert result.exit_code == 0, result.output
    upgraded = path.read_text()
    assert "format_version: 2" in upgraded and "format_version: 1" not in upgraded
    as_loaded = load_definition_text(original)
    rewritten = load_definition_text(upgraded)
    assert rewritten.format_version == 2
    # The same definition, but that the rewritten flags carry their meaning themselves.
    assert rewritten.model_dump(exclude={"flag_meanings", "scoring"}) == as_loaded.model_dump(
        exclude={"flag_meanings", "scoring"}
    )
    for flag_id, meanings in as_loaded.flag_meanings.items():
        flags = [
            f
            for s in [rewritten.scoring, *rewritten.scoring.report]
            for f in s.params.get("flags", [])
        ]
        assert next(f for f in flags if f["id"] == flag_id)["means"] == meanings


def test_a_format_1_screen_gets_the_words_the_code_once_had():
    definition = load_definition_text((LEGACY / "rls-irlssg-1.1.yaml").read_text())
    assert definition.condition.short == "RLS"
    assert definition.outcomes["possible"].patient == (
        "Possibly consistent with restless legs syndrome"
    )
    course = next(spec for spec in definition.scoring.report if spec.name == "course")
    assert course.words["intermittent"] == "Less than twice a week on average"


def test_upgrading_twice_changes_nothing_and_texts_are_left_alone(tmp_path):
    path = tmp_path / "asrs.yaml"
    shutil.copy(LEGACY / "asrs-v1.1-r1.yaml", path)
    shutil.copy(LEGACY / "texts-1.1.yaml", tmp_path / "texts.yaml")
    runner = CliRunner()
    runner.invoke(cli, ["questionnaires", "upgrade", str(path)])
    once = path.read_text()
    again = runner.invoke(
        cli, ["questionnaires", "upgrade", str(path), str(tmp_path / "texts.yaml")]
    )
    assert path.read_text() == once
    assert again.exit_code == 1  # texts 1.1 lack paragraphs format 3 needs: refused, kept
    assert "already the current format" in again.output
    assert "not upgraded" in again.output
    assert (tmp_path / "texts.yaml").read_text() == (LEGACY / "texts-1.1.yaml").read_text()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("screens_for: rls", "screens_for: [rls]"),
        ("id: rls-irlssg", "id: {a: b}"),
        ("  report:\n", "  report: 3\n  old_report:\n"),
        ("        item: frequency\n", "        item: [frequency]\n"),
        ("        categories:\n", "        categories: [a, [b]]\n        old:\n"),
        ("  rule: criteria\n", "  rule: [criteria]\n"),
    ],
)
def test_a_broken_format_1_file_gets_its_problems_never_a_crash(old, new):
    from screener.definitions.loading import DefinitionError

    raw = (LEGACY / "rls-irlssg-1.1.yaml").read_text()
    assert old in raw
    with pytest.raises(DefinitionError):
        load_definition_text(raw.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    flags:\n", "    flags: {a: 1}\n    old:\n"),
        ("  - {id: pregnancy,", "  - {id: [pregnancy],"),
        ("  rule: flags\n", "  rule: flags\n  report: [1, {params: 2}]\n"),
    ],
)
def test_broken_format_1_flags_get_their_problems_never_a_crash(old, new):
    from screener.definitions.loading import DefinitionError

    raw = (LEGACY / "iron-context-1.1.yaml").read_text()
    assert old in raw
    with pytest.raises(DefinitionError):
        load_definition_text(raw.replace(old, new, 1))
