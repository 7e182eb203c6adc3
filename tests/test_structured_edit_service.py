"""The structured editor's plain-Python side: fields from a document, posted values back
into it, the buttons' changes, diffs in words, and the unaltered-instrument rule."""

from __future__ import annotations

import pytest

from screener.config import PROJECT_ROOT
from screener.definitions import round_trip
from screener.definitions.loading import DefinitionError, load_definition_text, load_texts_text
from screener.definitions.yaml_source import parse
from screener.services import protection, structured
from screener.services.structured_fields import field_name
from screener.services.structured_layout import all_fields, groups
from screener.services.version_diff import describe
from screener.staff.structured_forms import _initial

QUESTIONNAIRES = PROJECT_ROOT / "questionnaires"
SHIPPED = ["asrs-v1.1", "rls-irlssg", "iron-context", "texts"]


def source(name: str) -> str:
    return (QUESTIONNAIRES / f"{name}.yaml").read_text("utf-8")


def posted(document) -> tuple[list, dict]:
    """The fields of ``document`` and the values an untouched form posts back."""
    fields = all_fields(groups(document))
    values = {}
    for item in fields:
        value = _initial(item)
        if item.spec.kind == "flag":
            value = bool(value)
        values[item.name] = value
    return fields, values


def edited(text: str, changes: dict[tuple, object]) -> str:
    """``text`` after a form post that changes the fields at ``changes``' paths."""
    document = round_trip.load(text)
    fields, values = posted(document)
    for path, value in changes.items():
        assert field_name(path) in values, path
        values[field_name(path)] = value
    structured.apply_values(document, fields, values)
    return round_trip.dump(document)


@pytest.mark.parametrize("name", SHIPPED)
def test_an_untouched_form_gives_back_the_text_byte_for_byte(name):
    text = source(name)
    assert edited(text, {}) == text


def test_changed_values_land_in_the_right_places_and_nothing_else_moves():
    text = source("asrs-v1.1")
    new = edited(
        text,
        {
            ("sections", 0, "items", 2, "text"): "How often do you forget appointments?",
            ("option_sets", "from_often", 2, "highlight"): True,
            ("option_sets", "from_often", 4, "label"): "Very often",
            ("sections", 1, "items", 0, "help"): "Think of work and home.",
            ("recall_period",): "",  # emptied: an optional key is left out
            ("scoring", "params", "threshold"): 3,
        },
    )
    definition = load_definition_text(new)
    q3 = definition.item("q3")
    assert q3.text == "How often do you forget appointments?"
    q4 = definition.item("q4")  # uses from_often
    assert [o.highlight for o in q4.choices()] == [False, False, True, True, True]
    assert q4.choices()[4].label == "Very often"
    assert definition.item("q7").help == "Think of work and home."
    assert definition.recall_period is None
    assert definition.scoring.params["threshold"] == 3
    # Comments and untouched lines are kept exactly.
    assert new.startswith(text.split("format_version")[0])
    assert "# Part B has no total and no cut-off" in new
    changed = set(new.splitlines()) ^ set(text.splitlines())
    assert len(changed) <= 14


def test_blocks_of_a_newer_format_are_editable_when_present_and_kept_when_not_edited():
    text = source("iron-context").replace(
        "format_version: 2\n",
        "format_version: 2\n"
        "outcomes:\n"
        "  consistent:\n"
        "    patient: Your answers fit.\n"
        "    report: Consistent.\n"
        "future_key: [kept, as, is]\n",
    )
    assert "future_key" in text
    document = round_trip.load(text)
    legends = [group.legend for group in groups(document)]
    assert "Offering on the landing page" in legends and "Outcome wording" in legends
    kinds = {item.path: item.spec.kind for item in all_fields(groups(document))}
    assert kinds[("offer", "order")] == "integer" and kinds[("offer", "label")] == "line"
    assert kinds[("outcomes", "consistent", "patient")] == "line"
    new = edited(
        text,
        {("outcomes", "consistent", "patient"): "Your answers fit this pattern."},
    )
    data = parse(new).data
    assert data["outcomes"]["consistent"]["patient"] == "Your answers fit this pattern."
    assert data["offer"]["order"] == 30 and data["offer"]["label"].startswith("Also answer")
    assert data["future_key"] == ["kept", "as", "is"]
    assert "# How the landing page offers these questions." in new  # comments are kept


def _apply(text: str, action: str, kind: str | None = None) -> tuple[str, dict]:
    document = round_trip.load(text)
    structured.apply_action(document, action, kind)
    new = round_trip.dump(document)
    return new, parse(new).data


def test_buttons_add_move_and_remove_questions_options_and_conditions():
    text = source("rls-irlssg")
    before = parse(text).data
    ids = [item["id"] for item in before["sections"][0]["items"]]

    _, data = _apply(text, "down:sections-0-items:0")
    assert [item["id"] for item in data["sections"][0]["items"]][:2] == [ids[1], ids[0]]

    _, data = _apply(text, "remove:sections-0-items:1")
    assert ids[1] not in [item["id"] for item in data["sections"][0]["items"]]

    added, data = _apply(text, "add_item:sections-0", "number")
    new_item = data["sections"][0]["items"][-1]
    assert new_item["type"] == "number" and new_item["min"] == 0 and new_item["max"] == 100
    load_definition_text(added)  # a new question is valid as added

    with_condition, data = _apply(added, "add_condition:sections-0-items-" + str(len(ids)))
    assert data["sections"][0]["items"][-1]["show_if"]["item"] in ids
    load_definition_text(with_condition)
    _, data = _apply(with_condition, "remove_condition:sections-0-items-" + str(len(ids)))
    assert "show_if" not in data["sections"][0]["items"][-1]

    asrs = source("asrs-v1.1")
    more, data = _apply(asrs, "add:option_sets-from_often")
    assert len(data["option_sets"]["from_often"]) == 6
    load_definition_text(more)


@pytest.mark.parametrize(
    "action",
    [
        "remove:sections-99-items:0",
        "up:sections-0-items:0",
        "remove:title:0",
        "explode:sections-0",
        "add_item:sections-0",  # no kind of question chosen
    ],
)
def test_buttons_that_do_not_fit_the_document_are_refused(action):
    document = round_trip.load(source("rls-irlssg"))
    with pytest.raises(structured.ActionError):
        structured.apply_action(document, action)


def test_diffs_read_as_changes_to_the_questionnaire():
    old = source("asrs-v1.1")
    new = edited(
        old,
        {
            ("sections", 0, "items", 2, "text"): "How often do you forget appointments?",
            ("option_sets", "from_often", 2, "highlight"): True,
            ("option_sets", "from_sometimes", 3, "label"): "Frequently",
            ("sections", 0, "items", 0, "help"): "Think of work.",
        },
    )
    summaries = [change.summary for change in describe(old, new)]
    assert (
        "Question 3 (q3) wording: “How often do you have problems remembering appointments or "
        "obligations?” → “How often do you forget appointments?”"
    ) in summaries
    assert "Shared options “from_often”: option “Sometimes”: now shaded" in summaries
    assert "Shared options “from_sometimes”: option label: “Often” → “Frequently”" in summaries
    assert "Question 1 (q1) help text: added “Think of work.”" in summaries
    protected = {c.summary for c in describe(old, new) if c.protected}
    assert "Question 1 (q1) help text: added “Think of work.”" not in protected
    assert len(protected) == 3


def test_diffs_of_the_texts_name_paragraphs_and_citations():
    old = source("texts")
    new = old.replace("cites: [kessler2005]", "cites: [kessler2005, ferri2007]", 1)
    summaries = [change.summary for change in describe(old, new)]
    assert any(s.startswith("Paragraph “") and s.endswith("now cites ferri2007") for s in summaries)


def test_only_instruments_whose_terms_say_so_must_stay_unaltered():
    assert protection.must_stay_unaltered(source("asrs-v1.1"))
    assert not protection.must_stay_unaltered(source("rls-irlssg"))
    old = source("asrs-v1.1")
    wording = edited(old, {("sections", 0, "items", 0, "text"): "Reworded?"})
    instructions = edited(old, {("instructions",): "Answer each question."})
    assert [c.subject for c in protection.protected_changes(old, wording)] == [
        "Question 1 (q1) wording"
    ]
    assert protection.protected_changes(old, instructions) == []
    rls = source("rls-irlssg")
    assert protection.protected_changes(rls, rls.replace("Do you take", "Are you taking")) == []


def test_texts_fields_edit_paragraphs_and_a_wrong_citation_names_its_paragraph():
    text = source("texts")
    document = round_trip.load(text)
    legends = [group.legend for group in groups(document)]
    assert any(legend.startswith("Paragraph") for legend in legends)
    key = next(iter(parse(text).data["paragraphs"]))
    new = edited(text, {("paragraphs", key, "cites"): "kessler2005, nobody1999"})
    with pytest.raises(DefinitionError) as caught:
        load_texts_text(new)
    assert f"the paragraph '{key}' cites 'nobody1999'" in str(caught.value)


def test_scoring_blocks_in_lists_are_editable_and_their_changes_read_in_words():
    old = source("iron-context")
    label = ("scoring", "params", "flags", 0, "label")
    means = ("scoring", "params", "flags", 0, "means")
    document = round_trip.load(old)
    kinds = {item.path: item.spec.kind for item in all_fields(groups(document))}
    assert kinds[label] == "line" and kinds[means] == "words"
    new = edited(old, {label: "Pregnant, or breastfeeding now"})
    assert load_definition_text(new).scoring.params["flags"][0]["label"] == (
        "Pregnant, or breastfeeding now"
    )
    assert [c.summary for c in describe(old, new)] == [
        "Scoring flags › 1 › label: “Pregnant or breastfeeding” → “Pregnant, or breastfeeding now”"
    ]
