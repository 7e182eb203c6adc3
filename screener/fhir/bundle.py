"""The Bundle (type ``collection``) of one submitted screening.

The API (``GET /api/v1/screenings/{code}/fhir``) and the CLI (``screener export fhir``)
both call ``bundle_for``, so they give the same Bundle: every ``fullUrl`` is derived
from the reference code, and the timestamp is the submission's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.identifier import Identifier

from screener.codes import format_code
from screener.fhir import systems
from screener.fhir.observations import observations
from screener.fhir.questionnaire import questionnaire
from screener.fhir.response import response
from screener.models import Screening
from screener.services import screenings
from screener.services.screenings import InstrumentSummary


def bundle_of(
    reference_code: str, submitted: dt.datetime, instruments: Sequence[InstrumentSummary]
) -> Bundle:
    """A Questionnaire per pinned version, a response per instrument, then Observations."""
    entries: list[BundleEntry] = []
    for instrument in instruments:
        version = systems.fhir_version(instrument.version_label, instrument.revision)
        entries.append(
            BundleEntry(
                fullUrl=systems.full_url(reference_code, "Questionnaire", instrument.key, version),
                resource=questionnaire(
                    instrument.key,
                    instrument.version_label,
                    instrument.revision,
                    instrument.definition,
                ),
            )
        )
    for instrument in instruments:
        response_url = systems.full_url(reference_code, "QuestionnaireResponse", instrument.key)
        entries.append(
            BundleEntry(
                fullUrl=response_url,
                resource=response(
                    instrument.key,
                    instrument.version_label,
                    instrument.revision,
                    instrument.definition,
                    instrument.answers,
                    reference_code,
                    submitted,
                ),
            )
        )
        for name, observation in observations(
            instrument.key, instrument.definition, instrument.result, submitted, response_url
        ):
            entries.append(
                BundleEntry(
                    fullUrl=systems.full_url(reference_code, "Observation", instrument.key, name),
                    resource=observation,
                )
            )
    return Bundle(
        type="collection",
        identifier=Identifier(system=systems.REFERENCE_CODE, value=format_code(reference_code)),
        timestamp=submitted,
        entry=entries,
    )


def bundle_for(screening: Screening) -> Bundle:
    """The Bundle of a submitted screening, from the versions it is pinned to."""
    if screening.status != "submitted" or screening.submitted_at is None:
        raise screenings.ScreeningError("only a submitted screening can be exported")
    summary = screenings.summary(screening)
    return bundle_of(summary.reference_code, screening.submitted_at, summary.instruments)


def to_json(bundle: Bundle) -> str:
    return bundle.model_dump_json(exclude_none=True)
