"""The URIs of the export: local code systems and extensions, and the standard ones used.

The instruments have no LOINC codes of their own here, so their outcomes and scores are
coded in a local system (``urn:screener:fhir:...``) rather than with invented codes.
"""

from __future__ import annotations

import uuid

LOCAL = "urn:screener:fhir"
QUESTIONNAIRE = f"{LOCAL}:Questionnaire"
OPTIONS = f"{LOCAL}:options"
OBSERVATIONS = f"{LOCAL}:observations"
OUTCOMES = f"{LOCAL}:outcomes"
REFERENCE_CODE = f"{LOCAL}:reference-code"
# Extensions of our own: which options are in the shaded boxes, and the scoring rule (its
# registry name and parameters, as in the definition), so a receiving system can score
# a response from the Questionnaire alone.
HIGHLIGHT = f"{LOCAL}:extension:highlight"
SCORING = f"{LOCAL}:extension:scoring"

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def questionnaire_url(key: str) -> str:
    return f"{QUESTIONNAIRE}:{key}"


def option_system(key: str) -> str:
    return f"{OPTIONS}:{key}"


def fhir_version(label: str, revision: int) -> str:
    """A pinned definition version: its own label and the stored revision (``1.2-r3``),
    since a changed file keeps its label until its author changes it."""
    return f"{label}-r{revision}"


def full_url(reference_code: str, *parts: str) -> str:
    """The same ``urn:uuid`` for the same resource of the same screening, every time."""
    name = ":".join(("screener", reference_code, *parts))
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def section_link(section_id: str) -> str:
    """Sections and items share one set of linkIds; item ids never contain a dot."""
    return f"section.{section_id}"
