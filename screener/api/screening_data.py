"""One screening as the API gives it: pinned versions, outcomes, scores, flags, and every
answer with the wording the patient was asked (from the version it is pinned to)."""

from __future__ import annotations

from typing import Any

from screener.api import schemas
from screener.codes import format_code
from screener.fhir import systems
from screener.models import Screening
from screener.scoring.engine import asked
from screener.services import screenings
from screener.services.screenings import InstrumentSummary
from screener.wording import outcome_key, shown_outcome


def _answers(instrument: InstrumentSummary) -> list[schemas.AnswerOut]:
    given = asked(instrument.definition, instrument.answers).values
    found = []
    for section in instrument.definition.sections:
        for item in section.items:
            value = given.get(item.id)
            if value is None:
                continue
            chosen = value if isinstance(value, list) else [value]
            labels = [o.label for o in item.choices() if o.value in chosen]
            found.append(
                schemas.AnswerOut(
                    section=section.id,
                    item_id=item.id,
                    text=item.text,
                    type=item.type,
                    value=value,
                    labels=labels,
                    unit=getattr(item, "unit", None),
                )
            )
    return found


def _instrument(instrument: InstrumentSummary) -> schemas.InstrumentDetail:
    definition, result = instrument.definition, instrument.result
    words = definition.outcomes.get(outcome_key(definition, result))  # type: ignore[call-overload]
    version = systems.fhir_version(instrument.version_label, instrument.revision)
    details: dict[str, Any] = dict(result.main.details)
    return schemas.InstrumentDetail(
        key=instrument.key,
        title=definition.title,
        version=instrument.version_label,
        revision=instrument.revision,
        fhir_questionnaire=f"{systems.questionnaire_url(instrument.key)}|{version}",
        outcome=result.outcome.value,
        shown_outcome=shown_outcome(definition, result),
        outcome_words=words.report if words is not None else None,
        score=result.score,
        threshold=result.threshold,
        maximum=result.main.maximum,
        complete=result.complete,
        missing=list(result.missing),
        flags=list(details.pop("flags", [])),
        details=details,
        reports=[
            schemas.ReportOut(
                name=report.name,
                label=report.label,
                score=report.result.score,
                maximum=report.result.maximum,
                details=dict(report.result.details),
            )
            for report in result.reports
        ],
        answers=_answers(instrument),
    )


def detail(screening: Screening) -> schemas.ScreeningDetail:
    """A submitted screening, scored on the versions it is pinned to."""
    summary = screenings.summary(screening)
    return schemas.ScreeningDetail(
        reference_code=format_code(summary.reference_code),
        status=summary.status,
        submitted_at=screening.submitted_at,
        reviewed_at=screening.reviewed_at,
        instruments=[_instrument(instrument) for instrument in summary.instruments],
    )
