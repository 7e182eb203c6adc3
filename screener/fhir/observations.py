"""Observations: each instrument's outcome and scores, and the lab values a patient typed.

Outcomes and scores are coded in the local system (no LOINC code exists for these
screens here); a value the flags rule reports as a measurement gets the LOINC code and
UCUM unit that its flag in the definition gives (``loinc``, ``ucum``), and no
Observation when the definition gives none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference

from screener.definitions.schema import Definition
from screener.fhir import systems
from screener.scoring.results import Result
from screener.wording import outcome_key, outcome_words, shown_outcome


def _local(code: str, display: str) -> CodeableConcept:
    return CodeableConcept(coding=[Coding(system=systems.OBSERVATIONS, code=code, display=display)])


def _number(value: int | float) -> dict[str, Any]:
    if isinstance(value, int) or float(value).is_integer():
        return {"valueInteger": int(value)}
    return {"valueQuantity": Quantity(value=value)}


def _outcome_words(definition: Definition, outcome: str) -> str:
    words = definition.outcomes.get(outcome)  # type: ignore[call-overload]
    return words.report if words is not None else outcome.replace("_", " ")


def _when(measurement: Mapping[str, Any], fallback: dt.datetime) -> dict[str, Any]:
    """The month and year typed with the value (a partial dateTime), else submission."""
    year = measurement.get("year")
    if isinstance(year, int):
        month = re.sub(r"\D", "", str(measurement.get("month") or ""))
        if month and 1 <= int(month) <= 12:
            return {"effectiveDateTime": f"{year:04d}-{int(month):02d}"}
        return {"effectiveDateTime": f"{year:04d}"}
    return {"effectiveDateTime": fallback}


def _lab_codes(definition: Definition) -> dict[str, tuple[str, str | None]]:
    """Item id -> (LOINC code, UCUM unit), from the definition's flags that give them."""
    codes: dict[str, tuple[str, str | None]] = {}
    for spec in (definition.scoring, *definition.scoring.report):
        for flag in spec.params.get("flags", ()) if isinstance(spec.params, dict) else ():
            if isinstance(flag, dict) and flag.get("loinc") and flag.get("item"):
                codes.setdefault(flag["item"], (flag["loinc"], flag.get("ucum")))
    return codes


def observations(
    key: str, definition: Definition, result: Result, submitted: dt.datetime, response_url: str
) -> Iterator[tuple[str, Observation]]:
    """(name, Observation) pairs; the name makes each one's ``fullUrl`` stable."""
    base = {"status": "final", "derivedFrom": [Reference(reference=response_url)]}
    # The outcome as the summary reads it: "cannot_tell_treated" rather than the scoring
    # rule's "not_consistent" for a "no" from someone treated (a receiving system may
    # file by code alone).
    outcome = shown_outcome(definition, result)
    yield (
        "outcome",
        Observation(
            code=_local(f"{key}.outcome", f"{definition.short_title}: outcome"),
            valueCodeableConcept=CodeableConcept(
                coding=[
                    Coding(
                        system=systems.OUTCOMES,
                        code=outcome,
                        display=_outcome_words(definition, outcome_key(definition, result)),
                    )
                ],
                # What the report says, which may be more than the code: a "no" to the
                # screening question from someone treated for the condition.
                text=outcome_words(definition, result, "report"),
            ),
            effectiveDateTime=submitted,
            **base,
        ),
    )
    if result.score is not None:
        yield (
            "score",
            Observation(
                code=_local(f"{key}.score", f"{definition.short_title}: score"),
                effectiveDateTime=submitted,
                **_number(result.score),
                **base,
            ),
        )
    for report in result.reports:
        if report.result.score is not None:
            yield (
                f"{report.name}.score",
                Observation(
                    code=_local(f"{key}.{report.name}.score", report.label),
                    effectiveDateTime=submitted,
                    **_number(report.result.score),
                    **base,
                ),
            )
    lab_codes = _lab_codes(definition)
    for measurement in result.main.details.get("measurements", ()):
        coded = lab_codes.get(measurement.get("item"))
        if coded is None or measurement.get("value") is None:
            continue
        loinc, ucum = coded
        unit = ucum or measurement.get("unit") or ""
        yield (
            f"measurement.{measurement['item']}",
            Observation(
                code=CodeableConcept(
                    coding=[
                        Coding(
                            system=systems.LOINC,
                            code=loinc,
                            display=str(measurement.get("measure") or "")[:200] or None,
                        )
                    ],
                    text=measurement.get("measure"),
                ),
                valueQuantity=Quantity(
                    value=measurement["value"], unit=unit, system=systems.UCUM, code=unit
                ),
                **_when(measurement, submitted),
                **base,
            ),
        )
