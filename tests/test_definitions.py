"""Definition files: strict validation with errors that name the line, and safe parsing."""

from __future__ import annotations

import pytest

from screener.definitions.catalog import load_directory
from screener.definitions.loading import DefinitionError, load_definition_text
from tests.conftest import QUESTIONNAIRES

ASRS_TEXT = (QUESTIONNAIRES / "asrs-v1.1.yaml").read_text(encoding="utf-8")
RLS_TEXT = (QUESTIONNAIRES / "rls-irlssg.yaml").read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def problems(text: str | bytes):
    with pytest.raises(DefinitionError) as caught:
        load_definition_text(text, "test.yaml")
    return caught.value.problems


def test_shipped_definitions_are_valid_and_complete():
    catalog = load_directory(QUESTIONNAIRES)
    assert set(catalog.definitions) == {"asrs-v1.1", "rls-irlssg", "iron-context"}
    asrs = catalog.definitions["asrs-v1.1"][0]
    assert [item.id for item in asrs.items()] == [f"q{n}" for n in range(1, 19)]
    assert [section.id for section in asrs.sections] == ["part_a", "part_b"]
    assert [o.value for o in asrs.item("q1").choices()] == [
        "never",
        "rarely",
        "sometimes",
        "often",
        "very_often",
    ]
    assert "World Health Organization" in asrs.terms
    rls = catalog.definitions["rls-irlssg"][0]
    assert [i.id for i in rls.items()][:7] == [
        "gate",
        "leg_medicine",
        "c1_urge",
        "c2_rest",
        "c3_movement",
        "c4_evening",
        "cause_cramps",
    ]
    assert catalog.texts is not None


def test_asrs_wording_is_the_published_wording():
    asrs = load_directory(QUESTIONNAIRES).definitions["asrs-v1.1"][0]
    assert asrs.item("q1").text == (
        "How often do you have trouble wrapping up the final details of a project, once the "
        "challenging parts have been done?"
    )
    assert asrs.item("q16").text.startswith("When you’re in a conversation, how often")
    assert asrs.item("q18").text == "How often do you interrupt others when they are busy?"


def test_yes_and_no_stay_text_not_booleans():
    rls = load_directory(QUESTIONNAIRES).definitions["rls-irlssg"][0]
    assert rls.sections[1].show_if.in_ == ["yes"]
    assert rls.scoring.params["exclusions"]["cause_cramps"] == ["yes"]
    assert rls.item("cause_cramps").choices()[1].value == "no"


def test_typo_in_a_key_names_the_line_and_suggests_the_fix():
    text = ASRS_TEXT.replace("        options: from_often", "        optons: from_often", 1)
    found = problems(text)
    line = line_of(text, "optons:")
    assert any(p.line == line and "'optons'" in p.message and "options" in p.hint for p in found)


def test_unknown_top_level_key_is_rejected_with_its_line():
    text = ASRS_TEXT.replace("kind: screen", "kind: screen\nlicense_free: true")
    [problem] = [p for p in problems(text) if "license_free" in p.message]
    assert problem.line == line_of(text, "license_free")
    assert problem.file == "test.yaml"
    assert "test.yaml:" in str(problem)


def test_duplicate_item_id_is_rejected():
    text = ASRS_TEXT.replace("- id: q2\n", "- id: q1\n", 1)
    [problem] = [p for p in problems(text) if "'q1' is used twice" in p.message]
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "- id: q1"]
    assert problem.line == lines[1]


@pytest.mark.parametrize("name", ["validate", "meta", "csrf_token", "validate_q2", "filter_q2"])
def test_an_item_id_that_a_form_uses_itself_is_rejected(name):
    """An item called 'validate' would have skipped the step form's validation, CSRF
    check included; 'meta' made every save of its page fail."""
    text = ASRS_TEXT.replace("- id: q1\n", f"- id: {name}\n", 1)
    [problem] = [p for p in problems(text) if "a name the answer forms use" in p.message]
    assert problem.line == line_of(text, f"- id: {name}")


def test_the_reserved_item_ids_cover_every_name_of_a_step_form(app):
    import re

    from screener.definitions.checks import RESERVED_ITEM_IDS, RESERVED_ITEM_PREFIXES
    from screener.patient.questions import StepForm

    with app.test_request_context():
        names = set(dir(StepForm)) | set(dir(StepForm()))
    slugs = {n for n in names if re.fullmatch(r"[a-z][a-z0-9_]{0,39}", n)}
    assert slugs <= RESERVED_ITEM_IDS | {n for n in slugs if n.startswith(RESERVED_ITEM_PREFIXES)}


def test_duplicate_key_in_one_block_is_rejected():
    text = ASRS_TEXT.replace('version: "1.1"', 'version: "1.1"\nversion: "1.2"')
    [problem] = problems(text)
    assert "appears twice" in problem.message
    assert problem.line == line_of(text, 'version: "1.2"')


def test_python_tag_is_refused_and_never_executed():
    text = ASRS_TEXT.replace(
        "title: Adult", "title: !!python/object/apply:os.system ['touch /tmp/pwned']\n# Adult", 1
    )
    [problem] = problems(text)
    assert "tag" in problem.message
    assert problem.line == line_of(text, "!!python")


def test_alias_bomb_is_refused_quickly():
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for n, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[n]
        bomb += f"{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous}]\n"
    [problem] = problems(bomb)
    assert "anchor" in problem.message or "alias" in problem.message
    assert problem.line == 1


def test_alias_without_anchor_line_is_named():
    [problem] = problems("format_version: 1\nid: x\ntitle: *missing\n")
    assert problem.line == 3


def test_oversize_file_is_refused():
    text = ASRS_TEXT + "#" + "x" * (256 * 1024)
    [problem] = problems(text)
    assert "256 KiB" in problem.message
    assert problem.line == 1


def _with_items(count: int) -> str:
    items = "".join(f"      - {{id: i{n}, type: yes_no, text: Q}}\n" for n in range(count))
    return (
        ASRS_TEXT.split("sections:")[0] + "sections:\n  - id: s\n    title: S\n    items:\n" + items
    )


def test_ten_thousand_items_are_refused_by_the_size_cap():
    [problem] = problems(_with_items(10_000))
    assert "256 KiB" in problem.message


def test_more_items_than_a_section_may_hold_are_refused_by_name():
    """Under the size cap, the schema's own limit answers, with where and what."""
    text = _with_items(61)
    assert len(text.encode()) < 256 * 1024
    found = problems(text)
    assert any(p.message.startswith("items:") and "at most 60" in p.message for p in found)
    assert all(p.line is not None for p in found)


def test_not_utf8_is_refused():
    [problem] = problems(ASRS_TEXT.encode("utf-8").replace(b"Adult ADHD", b"Adult \xff", 1))
    assert "UTF-8" in problem.message


def test_malformed_yaml_names_the_line():
    text = ASRS_TEXT.replace("short_title: ADHD (ASRS v1.1)", "short_title: [unclosed")
    [problem] = problems(text)
    assert "malformed" in problem.message
    assert problem.line is not None


def test_unknown_scoring_rule_suggests_the_closest():
    text = ASRS_TEXT.replace("rule: highlighted_count", "rule: highlighted_cnt", 1)
    [problem] = problems(text)
    assert "highlighted_cnt" in problem.message
    assert "highlighted_count" in problem.hint
    assert problem.line == line_of(text, "highlighted_cnt")


def test_scoring_parameters_are_checked_against_the_items():
    text = ASRS_TEXT.replace("items: [q1, q2, q3, q4, q5, q6]", "items: [q1, q2, q3, q4, q5, q60]")
    [problem] = problems(text)
    assert "'q60'" in problem.message


def test_scoring_parameter_typo_is_rejected():
    text = ASRS_TEXT.replace("    threshold: 4", "    threshhold: 4")
    [problem] = problems(text)
    assert "unknown parameter 'threshhold'" in problem.message
    assert "'threshold'" in problem.hint
    assert problem.line == line_of(text, "threshhold")


def test_condition_must_point_to_an_earlier_item_and_a_real_value():
    text = RLS_TEXT.replace(
        "show_if: {item: gate, in: [yes]}", "show_if: {item: gate, in: [maybe]}", 1
    )
    [problem] = problems(text)
    assert "'maybe'" in problem.message
    text = RLS_TEXT.replace(
        "show_if: {item: gate, in: [yes]}", "show_if: {item: impact, in: [yes]}", 1
    )
    assert any("not an earlier item" in p.message for p in problems(text))


def test_unknown_option_set_is_named():
    text = ASRS_TEXT.replace("options: from_often", "options: from_offen", 1)
    [problem] = problems(text)
    assert "from_offen" in problem.message
    assert problem.line == line_of(text, "from_offen")


def test_unknown_item_type_is_named():
    text = ASRS_TEXT.replace("type: single_choice", "type: slider", 1)
    [problem] = problems(text)
    assert "slider" in problem.message
