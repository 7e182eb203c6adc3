"""Reading an exported Bundle as a receiving system would: FHIR.js validation, and
scoring a QuestionnaireResponse from its Questionnaire alone (no access to the app's
definitions)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from screener.definitions.schema import Definition

VALIDATOR = Path(__file__).parent / "fhir_validate"
HIGHLIGHT = "urn:screener:fhir:extension:highlight"
SCORING = "urn:screener:fhir:extension:scoring"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def validate_with_fhir_js(tmp_path: Path, resources: dict[str, dict]) -> None:
    """Validate with FHIR.js (errorOnUnexpected); skip only where Node is missing and CI
    (SCREENER_REQUIRE_BROWSER=1) does not require it."""
    node = shutil.which("node")
    installed = (VALIDATOR / "node_modules" / "fhir").is_dir()
    if node is None or not installed:
        reason = "Node.js is not installed" if node is None else "run npm ci in tests/fhir_validate"
        if os.environ.get("SCREENER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"FHIR.js validation is required here: {reason}")
        pytest.skip(f"FHIR.js validation skipped: {reason}")
    files = []
    for name, resource in resources.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(resource))
        files.append(str(path))
    result = subprocess.run(
        [node, str(VALIDATOR / "validate.js"), *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    invalid = [r for r in reports if not r["valid"]]
    assert len(reports) == len(files), result.stderr
    assert invalid == [], invalid
    assert result.returncode == 0, result.stderr


def _extension(element: dict, url: str) -> Any:
    for extension in element.get("extension", ()):
        if extension["url"] == url:
            return next(v for k, v in extension.items() if k.startswith("value"))
    return None


def _condition(element: dict) -> dict | None:
    whens = element.get("enableWhen")
    if not whens:
        return None
    question = {w["question"] for w in whens}
    assert len(question) == 1, "one gate item per condition"
    values = [
        w["answerCoding"]["code"]
        if "answerCoding" in w
        else next(v for k, v in w.items() if k.startswith("answer"))
        for w in whens
    ]
    return {"item": question.pop(), "in": values}


def _item(element: dict) -> dict:
    kind = element["type"]
    item: dict[str, Any] = {
        "id": element["linkId"],
        "text": element["text"],
        "required": element.get("required", False),
    }
    if (condition := _condition(element)) is not None:
        item["show_if"] = condition
    if kind == "choice":
        item["type"] = "multiple_choice" if element.get("repeats") else "single_choice"
        item["options"] = [
            {
                "value": option["valueCoding"]["code"],
                "label": option["valueCoding"]["display"],
                "score": _extension(option, ORDINAL),
                "highlight": bool(_extension(option, HIGHLIGHT)),
            }
            for option in element["answerOption"]
        ]
    elif kind in ("integer", "decimal"):
        item.update(
            type="number",
            integer=kind == "integer",
            min=_extension(element, MIN_VALUE),
            max=_extension(element, MAX_VALUE),
        )
    else:
        item.update(type="text", max_length=element.get("maxLength", 200))
    return item


def definition_from_questionnaire(questionnaire: dict) -> Definition:
    """A definition rebuilt from nothing but an exported Questionnaire."""
    sections = []
    for group in questionnaire["item"]:
        section = {
            "id": group["linkId"].split(".", 1)[1],
            "title": group["text"],
            "items": [_item(element) for element in group["item"]],
        }
        if (condition := _condition(group)) is not None:
            section["show_if"] = condition
        sections.append(section)
    return Definition.model_validate(
        {
            "format_version": 2,
            "id": questionnaire["url"].rsplit(":", 1)[1],
            "version": questionnaire["version"],
            "title": questionnaire["title"],
            "short_title": questionnaire["title"][:40],
            "source": {"citation": "rebuilt from FHIR"},
            "terms": questionnaire["copyright"],
            "instructions": questionnaire["description"],
            "sections": sections,
            "scoring": json.loads(_extension(questionnaire, SCORING)),
        }
    )


def answers_from_response(response: dict, definition: Definition) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for group in response.get("item", ()):
        for element in group["item"]:
            values = [
                a["valueCoding"]["code"]
                if "valueCoding" in a
                else next(v for k, v in a.items() if k.startswith("value"))
                for a in element["answer"]
            ]
            item = definition.item(element["linkId"])
            answers[element["linkId"]] = values if item.type == "multiple_choice" else values[0]
    return answers


def by_type(bundle: dict, resource_type: str) -> list[dict]:
    return [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == resource_type
    ]
