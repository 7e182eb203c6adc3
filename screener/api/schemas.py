"""What the API takes and gives, as pydantic models: the OpenAPI document is made from them.

Query models forbid unknown parameters, so a misspelt filter is a 400 that names it
rather than a silently unfiltered list.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from screener import date_ranges
from screener.models.screening import OUTCOMES, SHOWN_OUTCOMES

MAX_PAGE = 100
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9.\-]{1,39}$")]
Cursor = Annotated[str, StringConstraints(max_length=200)]
OutcomeName = Literal[OUTCOMES]  # type: ignore[valid-type]
ShownOutcomeName = Literal[SHOWN_OUTCOMES]  # type: ignore[valid-type]
SHOWN_OUTCOME = (
    "The outcome as the summary reads it: the scoring rule's outcome, except "
    '`cannot_tell_treated` for a "no" to the screening question from someone treated '
    "for the condition (scored `not_consistent`; the treatment may hide the symptoms)."
)


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


def utc_in_range(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC (a time without a zone is UTC), within the days anything is stored
    on (``date_ranges``); ValueError past them. 0001-01-01 at +14:00 has no UTC time at
    all, and 9999-12-31 cannot be stored."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    try:
        value = value.astimezone(dt.UTC)
    except OverflowError:
        value = None  # type: ignore[assignment]
    if value is None or not date_ranges.in_range(value.date()):
        raise ValueError(f"Give a time from {date_ranges.EARLIEST} to {date_ranges.LATEST}.")
    return value


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """A time without a zone is UTC; a date alone is its midnight, UTC."""
    return utc_in_range(value) if value is not None else None


class ScreeningFilters(Query):
    submitted_since: dt.datetime | None = Field(
        None, description="Submitted at or after this time (ISO 8601; a date means 00:00 UTC)."
    )
    submitted_until: dt.datetime | None = Field(
        None, description="Submitted before this time (ISO 8601; a date means 00:00 UTC)."
    )
    instrument: Key | None = Field(None, description="Only screenings that include it.")
    outcome: OutcomeName | None = Field(
        None, description="Only screenings with this outcome (for `instrument`, if given)."
    )
    shown_outcome: ShownOutcomeName | None = Field(
        None,
        description="Only screenings with this shown outcome (for `instrument`, if given).",
    )
    reviewed: bool | None = Field(None, description="Reviewed by a clinician, or not yet.")

    _zone = field_validator("submitted_since", "submitted_until")(_utc)


class ScreeningListQuery(ScreeningFilters):
    limit: int = Field(25, ge=1, le=MAX_PAGE, description=f"Page size, 1 to {MAX_PAGE}.")
    cursor: Cursor | None = Field(None, description="`next_cursor` of the previous page.")


class ScreeningCsvQuery(ScreeningFilters):
    items: bool = Field(
        False, description="Add a column per item with the answer (text answers left out)."
    )


class AuditQuery(Query):
    since: dt.datetime | None = Field(None, description="At or after this time (ISO 8601).")
    until: dt.datetime | None = Field(None, description="Before this time (ISO 8601).")
    action: Annotated[str, StringConstraints(max_length=60)] | None = Field(
        None, description="Only this action, e.g. `screening.view`."
    )
    limit: int = Field(50, ge=1, le=MAX_PAGE, description=f"Page size, 1 to {MAX_PAGE}.")
    cursor: Cursor | None = Field(None, description="`next_cursor` of the previous page.")

    _zone = field_validator("since", "until")(_utc)


class CodePath(BaseModel):
    code: Annotated[str, StringConstraints(max_length=40)] = Field(
        description="Reference code, with or without dashes (ACDE-FHJK-MNPQ or ACDEFHJKMNPQ)."
    )


class DefinitionPath(BaseModel):
    key: Key


class VersionPath(BaseModel):
    key: Key
    revision: int = Field(ge=1, le=1_000_000)


class ErrorDetail(BaseModel):
    field: str | None = None
    message: str


class ErrorBody(BaseModel):
    """Every error: the HTTP status, a short code and a sentence saying what to change."""

    status: int
    error: str
    message: str
    details: list[ErrorDetail] = []


class InstrumentOutcome(BaseModel):
    key: str
    version: str
    revision: int
    outcome: OutcomeName
    shown_outcome: ShownOutcomeName = Field(description=SHOWN_OUTCOME)
    score: float | None


class ScreeningListItem(BaseModel):
    reference_code: str
    submitted_at: dt.datetime
    reviewed_at: dt.datetime | None
    instruments: list[InstrumentOutcome]


class ScreeningPage(BaseModel):
    items: list[ScreeningListItem]
    limit: int
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class AnswerOut(BaseModel):
    section: str
    item_id: str
    text: str = Field(description="The wording the patient was asked, from the pinned version.")
    type: str
    value: Any
    labels: list[str] = Field(description="The chosen options' wording, for choice items.")
    unit: str | None = None


class ReportOut(BaseModel):
    name: str
    label: str
    score: float | None
    maximum: float | None
    details: dict[str, Any]


class InstrumentDetail(BaseModel):
    key: str
    title: str
    version: str
    revision: int
    fhir_questionnaire: str = Field(description="The FHIR Questionnaire's `url|version`.")
    outcome: OutcomeName
    shown_outcome: ShownOutcomeName = Field(description=SHOWN_OUTCOME)
    outcome_words: str | None
    score: float | None
    threshold: float | None
    maximum: float | None
    complete: bool
    missing: list[str]
    flags: list[dict[str, Any]]
    details: dict[str, Any]
    reports: list[ReportOut]
    answers: list[AnswerOut]


class ScreeningDetail(BaseModel):
    reference_code: str
    status: str
    submitted_at: dt.datetime
    reviewed_at: dt.datetime | None
    instruments: list[InstrumentDetail]


class VersionOut(BaseModel):
    version: str
    revision: int
    published_at: dt.datetime
    live: bool
    fhir_questionnaire: str


class DefinitionOut(BaseModel):
    key: str
    title: str
    versions: list[VersionOut]


class DefinitionList(BaseModel):
    items: list[DefinitionOut]


class DefinitionVersion(BaseModel):
    key: str
    version: str
    revision: int
    published_at: dt.datetime
    live: bool
    definition: dict[str, Any] = Field(description="The definition (format 2) as JSON.")


class AuditEventOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str | None
    role: str | None
    action: str
    reference: str | None
    outcome: str
    address: str | None
    detail: str | None


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    limit: int
    next_cursor: str | None
