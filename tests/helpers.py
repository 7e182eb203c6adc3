"""Shared test data: the shipped definitions and answer builders."""

from __future__ import annotations

from functools import cache

from screener.definitions.catalog import load_directory
from tests.conftest import QUESTIONNAIRES


@cache
def catalog():
    return load_directory(QUESTIONNAIRES)


def definition(key: str):
    return catalog().definitions[key][0]


def texts():
    return catalog().texts[0]


def asrs(part_a: list[str], part_b: str | list[str] = "never") -> dict[str, str]:
    """ASRS answers: six Part A values, and Part B as one value for all or twelve values."""
    answers = {f"q{n}": value for n, value in enumerate(part_a, start=1)}
    b = [part_b] * 12 if isinstance(part_b, str) else part_b
    answers.update({f"q{n}": value for n, value in enumerate(b, start=7)})
    return answers


CAUSES = ("cramps", "position", "swelling", "new_medicine", "numbness")


def rls(
    gate="yes",
    c1="yes",
    c2="yes",
    c3="yes",
    c4="yes",
    causes: dict[str, str] | None = None,
    frequency="twice_weekly_or_more",
    impact="yes",
    medicine="no",
) -> dict[str, str]:
    """Answers to rls-irlssg 2.x; ``causes`` overrides "no" for named other causes."""
    answers = {"gate": gate, "leg_medicine": medicine}
    if gate == "yes":
        answers.update(c1_urge=c1, c2_rest=c2, c3_movement=c3, c4_evening=c4)
        chosen = {name: "no" for name in CAUSES} | (causes or {})
        answers.update({f"cause_{name}": value for name, value in chosen.items()})
        answers.update(frequency=frequency, impact=impact)
    return {k: v for k, v in answers.items() if v is not None}


def rls_v11(
    gate="yes",
    c1="yes",
    c2="yes",
    c3="yes",
    c4="yes",
    c5="no",
    frequency="twice_weekly_or_more",
    impact="yes",
) -> dict[str, str]:
    """Answers to the older rls-irlssg 1.1 (criterion 5 as one question)."""
    answers = {"gate": gate}
    if gate == "yes":
        answers.update(
            c1_urge=c1,
            c2_rest=c2,
            c3_movement=c3,
            c4_evening=c4,
            c5_explained=c5,
            frequency=frequency,
            impact=impact,
        )
    return {k: v for k, v in answers.items() if v is not None}


LEGACY = QUESTIONNAIRES.parent / "tests" / "legacy"


@cache
def legacy(name: str):
    """A definition or texts file as shipped before a later version replaced it."""
    from screener.definitions.loading import load_definition_file, load_texts_text, read_source

    path = LEGACY / name
    if name.startswith("texts"):
        return load_texts_text(read_source(path), str(path), stored=True)
    return load_definition_file(path)


def fill(screening, answers_by_key) -> None:
    """Answer page by page, as a patient does: later pages appear as conditions hold.

    Call inside an app context; ``answers_by_key`` maps questionnaire ids to answers.
    """
    from screener.services import screenings

    while (step := screenings.first_incomplete(screening)) is not None:
        mine = answers_by_key[step.key]
        raw = {item.id: mine.get(item.id) for item in step.section.items}
        errors = screenings.save_section(screening, step.key, step.section.id, raw)
        assert errors == {}, errors
