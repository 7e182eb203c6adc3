"""The FHIR R4 export: a Bundle that FHIR.js and fhir.resources accept, pinned to the
definition versions, coded from the definitions, and scorable from itself alone."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.codes import format_code
from screener.extensions import db
from screener.fhir import bundle_of
from screener.models import ScreeningResult
from screener.scoring.engine import check_answers, score
from screener.services import content, screenings
from screener.services.screenings import InstrumentSummary
from tests.conftest import QUESTIONNAIRES
from tests.fhir_helpers import (
    answers_from_response,
    by_type,
    definition_from_questionnaire,
    validate_with_fhir_js,
)
from tests.helpers import asrs, catalog, fill, rls

NEW_INSTRUMENT = Path(__file__).parent / "instruments" / "tiredness-check.yaml"
IRON = {
    "risk_factors": ["plant_based", "blood_donation"],
    "family_rls": "yes",
    "ferritin": 31.5,
    "ferritin_month": "m03",
    "ferritin_year": 2024,
    "tsat": 15,
}
TIRED = {"doze": "most_days", "drag": "some_days", "nap": "every_day"}


def import_new_instrument(app, tmp_path) -> None:
    folder = tmp_path / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, folder)
    shutil.copy(NEW_INSTRUMENT, folder)
    with app.app_context():
        content.import_directory(folder)
        db.session.commit()


def submit(app, answers_by_key) -> str:
    with app.app_context():
        screening, _ = screenings.start(list(answers_by_key))
        fill(screening, answers_by_key)
        assert screenings.submit(screening)
        db.session.commit()
        return screening.reference_code


def export(runner, code: str) -> dict:
    result = runner.invoke(args=["export", "fhir", code])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_cli_exports_a_bundle_that_validates_and_keeps_the_pins(app, runner, tmp_path):
    import_new_instrument(app, tmp_path)
    code = submit(
        app,
        {
            "asrs-v1.1": asrs(["often"] * 6),
            "rls-irlssg": rls(),
            "iron-context": IRON,
            "tiredness-check": TIRED,
        },
    )
    bundle = export(runner, format_code(code))  # with dashes
    assert export(runner, code.lower()) == bundle  # without, and the same every time
    Bundle.model_validate(bundle)
    validate_with_fhir_js(tmp_path, {"bundle": bundle})
    assert bundle["type"] == "collection"

    questionnaires = by_type(bundle, "Questionnaire")
    responses = by_type(bundle, "QuestionnaireResponse")
    assert len(questionnaires) == len(responses) == 4
    pins = {f"{q['url']}|{q['version']}" for q in questionnaires}
    assert {r["questionnaire"] for r in responses} == pins
    assert all(r["status"] == "completed" for r in responses)
    with app.app_context():
        stored = {
            r.questionnaire_key: r.shown_outcome for r in db.session.query(ScreeningResult).all()
        }
    outcomes = {
        o["code"]["coding"][0]["code"].removesuffix(".outcome"): o["valueCodeableConcept"][
            "coding"
        ][0]["code"]
        for o in by_type(bundle, "Observation")
        if o["code"]["coding"][0]["code"].endswith(".outcome")
    }
    assert outcomes == stored

    # Scores as ordinal values where the definition scores options, the made-up
    # instrument included.
    tired = next(q for q in questionnaires if q["url"].endswith(":tiredness-check"))
    doze = tired["item"][0]["item"][0]
    assert doze["linkId"] == "doze" and doze["type"] == "choice"
    assert [o["extension"][0]["valueDecimal"] for o in doze["answerOption"]] == [0, 1, 2, 3]
    tired_score = next(
        o
        for o in by_type(bundle, "Observation")
        if o["code"]["coding"][0]["code"] == "tiredness-check.score"
    )
    assert tired_score["valueInteger"] == 2 + 1 + 3

    # Lab values under LOINC with UCUM units, dated by the month and year typed.
    labs = {
        o["code"]["coding"][0]["code"]: o
        for o in by_type(bundle, "Observation")
        if o["code"]["coding"][0]["system"] == "http://loinc.org"
    }
    assert set(labs) == {"2276-4", "2502-3"}
    assert labs["2276-4"]["valueQuantity"] == {
        "value": 31.5,
        "unit": "ng/mL",
        "system": "http://unitsofmeasure.org",
        "code": "ng/mL",
    }
    assert labs["2502-3"]["valueQuantity"]["code"] == "%"
    assert labs["2276-4"]["effectiveDateTime"] == "2024-03"


def test_items_not_asked_are_left_out_and_conditions_become_enable_when(app, runner, tmp_path):
    code = submit(app, {"rls-irlssg": rls(gate="no")})
    bundle = export(runner, code)
    validate_with_fhir_js(tmp_path, {"bundle": bundle})
    (response,) = by_type(bundle, "QuestionnaireResponse")
    answered = [item["linkId"] for group in response["item"] for item in group["item"]]
    assert answered == ["gate", "leg_medicine"]
    (questionnaire,) = by_type(bundle, "Questionnaire")
    gated = [group for group in questionnaire["item"] if "enableWhen" in group]
    assert gated and all(g["enableWhen"][0]["question"] == "gate" for g in gated)


def test_an_unknown_or_draft_code_exits_2(app, runner):
    result = runner.invoke(args=["export", "fhir", "ACDE-FHJK-MNPQ"])
    assert result.exit_code == 2
    assert "no submitted screening" in result.output
    with app.app_context():
        screening, _ = screenings.start(["asrs-v1.1"])
        db.session.commit()
        draft = screening.reference_code
    assert runner.invoke(args=["export", "fhir", draft]).exit_code == 2


# --- re-scoring from the export alone --------------------------------------------------


def _definitions():
    from screener.definitions.loading import load_definition_file

    shipped = [definition for definition, _ in catalog().definitions.values()]
    return [*shipped, load_definition_file(NEW_INSTRUMENT)]


DEFINITIONS = _definitions()


@st.composite
def answer_sets(draw):
    """A definition and answers a patient could give (some left out, some stale)."""
    definition = draw(st.sampled_from(DEFINITIONS))
    answers = {}
    for item in definition.items():
        if draw(st.integers(0, 9)) == 0:
            continue  # unanswered: some results come out incomplete
        if item.type == "multiple_choice":
            values = [o.value for o in item.choices()]
            chosen = draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
            if len(chosen) > 1:
                chosen = [v for v in chosen if v not in item.exclusive] or chosen[:1]
            answers[item.id] = chosen
        elif item.choices():
            answers[item.id] = draw(st.sampled_from([o.value for o in item.choices()]))
        elif item.type == "number":
            high = min(item.max, dt.date.today().year) if item.not_in_future else item.max
            if item.integer:
                answers[item.id] = draw(st.integers(int(item.min), int(high)))
            else:
                answers[item.id] = round(draw(st.floats(item.min, high)), 1)
        else:
            answers[item.id] = draw(st.text(min_size=1, max_size=20).filter(str.strip))
    return definition, check_answers(definition, answers)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets())
def test_scoring_the_export_alone_gives_the_apps_outcomes(case):
    definition, answers = case
    result = score(definition, answers)
    instrument = InstrumentSummary(
        definition.id, definition.version, 1, definition, answers, result
    )
    submitted = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    bundle = json.loads(
        bundle_of("ACDEFHJKMNPQ", submitted, [instrument]).model_dump_json(exclude_none=True)
    )
    (questionnaire,) = by_type(bundle, "Questionnaire")
    (response,) = by_type(bundle, "QuestionnaireResponse")

    rebuilt = definition_from_questionnaire(questionnaire)
    again = score(rebuilt, answers_from_response(response, rebuilt))

    assert again.outcome == result.outcome
    assert again.score == result.score
    assert [r.result.score for r in again.reports] == [r.result.score for r in result.reports]
    assert again.main.details.get("flags") == result.main.details.get("flags")


def _fixed_answers(definition, pick):
    """Every item answered with the option (or bound) ``pick`` chooses."""
    answers = {}
    for item in definition.items():
        if item.type == "multiple_choice":
            chosen = [o.value for o in item.choices() if o.value not in item.exclusive]
            answers[item.id] = chosen if pick == -1 else [item.choices()[0].value]
        elif item.choices():
            answers[item.id] = item.choices()[pick].value
        elif item.type == "number":
            high = min(item.max, dt.date.today().year) if item.not_in_future else item.max
            answers[item.id] = item.min if pick == 0 else high
        else:
            answers[item.id] = "<b>typed</b> & ‮ text"
    return check_answers(definition, answers)


def test_bundles_for_every_definition_and_answer_shape_validate_with_fhir_js(tmp_path):
    submitted = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    resources = {}
    for definition in DEFINITIONS:
        for pick in (0, -1):
            answers = _fixed_answers(definition, pick)
            result = score(definition, answers)
            instrument = InstrumentSummary(
                definition.id, definition.version, 2, definition, answers, result
            )
            bundle = bundle_of("ACDEFHJKMNPQ", submitted, [instrument])
            text = bundle.model_dump_json(exclude_none=True)
            Bundle.model_validate_json(text)
            resources[f"{definition.id}-{pick}"] = json.loads(text)
    assert len(resources) == 2 * len(DEFINITIONS) >= 8
    validate_with_fhir_js(tmp_path, resources)
