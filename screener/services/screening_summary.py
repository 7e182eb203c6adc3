"""Everything a results page, the PDF and the clinician page show of a screening.

Computed from the pinned definition versions and the stored answers, so that every
surface shows the same outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from screener import clinic_time, urgent_help
from screener.clinic_time import Clock
from screener.database import utcnow
from screener.definitions.schema import Definition, TextsDocument
from screener.extensions import db
from screener.interpretation import Interpretation, interpret
from screener.models import ContentVersion, Screening
from screener.scoring.results import Result
from screener.services import clinic, content
from screener.services.screening_store import answers_of, pinned, results_of


@dataclass(frozen=True)
class InstrumentSummary:
    key: str
    version_label: str
    revision: int
    definition: Definition
    answers: Mapping[str, Any]
    result: Result


@dataclass(frozen=True)
class Summary:
    """Everything a results page, PDF or clinician view needs, as plain data."""

    reference_code: str
    status: str
    created_at: Any
    submitted_at: Any
    clinic: Mapping[str, Any]
    instruments: tuple[InstrumentSummary, ...]
    interpretation: Interpretation
    texts: TextsDocument
    texts_revision: int
    # How dates read: the clinic's current zone and order, also for older screenings.
    clock: Clock


def summary(screening: Screening) -> Summary:
    answers = answers_of(screening)
    instruments = pinned(screening)
    results = results_of(screening, answers)
    texts_row = db.session.get(ContentVersion, screening.texts_version_id)
    texts = content.texts_of(texts_row)
    clinic_data = dict(screening.clinic_snapshot or clinic.current())
    # Snapshots taken before the clinic could set the line have none: they get the default.
    clinic_data["urgent_help"] = urgent_help.of_clinic(clinic_data)
    definitions = {p.key: p.definition for p in instruments}
    return Summary(
        reference_code=screening.reference_code,
        status=screening.status,
        created_at=screening.created_at,
        submitted_at=screening.submitted_at,
        clinic=clinic_data,
        clock=clinic_time.current(),
        instruments=tuple(
            InstrumentSummary(
                p.key,
                p.version.version,
                p.version.revision,
                p.definition,
                answers.get(p.key, {}),
                results[p.key],
            )
            for p in instruments
        ),
        interpretation=interpret(
            results,
            definitions,
            texts,
            clinic_data.get("providers", []),
            as_of=(screening.submitted_at or utcnow()).date(),
        ),
        texts=texts,
        texts_revision=texts_row.revision,
    )
