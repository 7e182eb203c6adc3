"""The /api/v1 endpoints: parse (the models do it) → read through a service → audit → answer.

Screenings are addressed by reference code (with or without dashes); drafts and
unknown codes get the same 404. Every answer that carries health data is audited first.
"""

from __future__ import annotations

from flask import Response, current_app

from screener import fhir
from screener.api import auth, queries, schemas, screening_data
from screener.api.blueprint import get
from screener.api.errors import error_response, fail
from screener.clinician import export, worklist
from screener.codes import format_code
from screener.database import utcnow
from screener.extensions import db
from screener.fhir.questionnaire import questionnaire
from screener.models import Screening
from screener.services import content, render_jobs, reports, screenings

NOT_FOUND = {404: schemas.ErrorBody}
PDF = {
    200: {
        "description": "The PDF summary, as stored once rendered.",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    },
    202: schemas.ErrorBody,
    **NOT_FOUND,
    503: schemas.ErrorBody,
}
FHIR_JSON = "application/fhir+json"
CSV = {
    200: {
        "description": "One row per screening; with `items=true` a column per item.",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def _json(model) -> Response:
    return Response(model.model_dump_json(), mimetype="application/json")


def _fhir(resource) -> Response:
    return Response(resource.model_dump_json(exclude_none=True), mimetype=FHIR_JSON)


def _fhir_doc(kind: str, description: str) -> dict:
    schema = {"type": "object", "description": f"A FHIR R4 {kind} resource."}
    return {200: {"description": description, "content": {FHIR_JSON: {"schema": schema}}}}


def _describe(query: schemas.ScreeningFilters) -> str:
    values = query.model_dump(exclude_none=True, exclude={"cursor"}, mode="json")
    return ", ".join(f"{k}={v}" for k, v in values.items()) or "all"


def _filtered(query: schemas.ScreeningFilters):
    try:
        return queries.filtered_screenings(query)
    except queries.QueryError as exc:
        fail(400, str(exc), field=exc.field)


def _submitted(code: str, action: str) -> Screening:
    screening = screenings.by_code(code)
    if screening is None or screening.status != "submitted":
        auth.record(action, reference=code.strip()[:40], outcome="not_found")
        fail(404, "No submitted screening has this reference code.")
    return screening


@get(
    "/screenings",
    "screenings:read",
    "screenings",
    responses={200: schemas.ScreeningPage},
    summary="List submitted screenings, newest first",
)
def list_screenings(query: schemas.ScreeningListQuery):
    """Filter by submission time, instrument, outcome and review; page with `cursor`."""
    _filtered(query)  # refuses an unknown instrument before the audit row
    try:
        page = queries.screening_page(query)
    except queries.QueryError as exc:
        fail(400, str(exc), field=exc.field)
    auth.record("api.screenings.list", detail=f"{len(page.items)} rows; {_describe(query)}")
    return _json(page)


@get(
    "/screenings.csv",
    "screenings:read",
    "screenings",
    responses=CSV,
    summary="The clinic's CSV export, optionally with item-level answers",
)
def screenings_csv(query: schemas.ScreeningCsvQuery):
    """The clinician's CSV (outcome per screened condition, review), for the same filters
    as the list; `items=true` adds a column per item (option values; no typed text)."""
    found = db.session.scalars(_filtered(query).order_by(*queries.NEWEST_FIRST)).all()
    screens = worklist.screens()
    items = export.item_answers(found) if query.items else None
    text = export.to_csv(worklist.rows_for(found), screens, items)
    auth.record("api.screenings.export", detail=f"{len(found)} rows; {_describe(query)}")
    response = Response(text, mimetype="text/csv")
    filename = f"screenings-{utcnow():%Y%m%d-%H%M}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@get(
    "/screenings/<code>",
    "screenings:read",
    "screenings",
    responses={200: schemas.ScreeningDetail, **NOT_FOUND},
    summary="One screening: pinned versions, outcomes, scores, flags and every answer",
)
def get_screening(path: schemas.CodePath):
    """Each answer comes with the wording the patient was asked, from the pinned version."""
    screening = _submitted(path.code, "api.screening.view")
    data = screening_data.detail(screening)
    auth.record("api.screening.view", reference=format_code(screening.reference_code))
    return _json(data)


@get(
    "/screenings/<code>/pdf",
    "pdf:read",
    "screenings",
    responses=PDF,
    summary="The screening's PDF summary",
)
def screening_pdf(path: schemas.CodePath):
    """Rendered once and stored; every later download gets the same bytes.

    Renders run in the background: until the summary is stored the answer is 202 with
    ``Retry-After`` (a call never waits for a render); if its render failed for good, 503
    until a clinician tries it again from the screening's page."""
    screening = _submitted(path.code, "api.report.download")
    code = format_code(screening.reference_code)
    row = reports.stored(screening)
    not_yet = reports.waiting(screening, row)
    if not_yet == render_jobs.FAILED:
        auth.record("api.report.download", reference=code, outcome="render_failed")
        fail(503, "The PDF could not be made; a clinician can try again from its page.")
    if not_yet is not None:
        return error_response(
            202,
            "The PDF summary is being prepared; ask again after Retry-After seconds.",
            headers={"Retry-After": str(reports.REFRESH_SECONDS)},
        )
    try:
        row = row or reports.ensure_stored(screening)
        pdf, sha256 = row.pdf, row.sha256
        db.session.commit()
    except Exception as exc:  # a render failure loses nothing; the next call renders again
        db.session.rollback()
        current_app.logger.error("PDF summary %s failed (%s)", code, type(exc).__name__)
        auth.record("api.report.download", reference=code, outcome="render_failed")
        fail(503, "The PDF could not be made just now; try again later.")
    auth.record("api.report.download", reference=code, detail=f"sha256 {sha256[:16]}")
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{reports.pdf_filename(code)}"'
    return response


@get(
    "/screenings/<code>/fhir",
    "fhir:read",
    "screenings",
    responses={**_fhir_doc("Bundle", "A Bundle of type collection."), **NOT_FOUND},
    summary="The screening as a FHIR R4 Bundle",
)
def screening_fhir(path: schemas.CodePath):
    """A Questionnaire per pinned version, a QuestionnaireResponse per instrument and
    Observations for outcomes, scores and coded lab values (as `screener export fhir`)."""
    screening = _submitted(path.code, "api.screening.fhir")
    bundle = fhir.bundle_for(screening)
    auth.record("api.screening.fhir", reference=format_code(screening.reference_code))
    return _fhir(bundle)


@get(
    "/definitions",
    auth.ANY_SCOPE,
    "definitions",
    responses={200: schemas.DefinitionList},
    summary="The questionnaires and their published versions",
)
def list_definitions():
    """Any valid token may read them: definitions hold no health data."""
    found = queries.definitions()
    auth.record("api.definitions.read")
    return _json(found)


def _version(path: schemas.VersionPath):
    found = queries.published_version(path.key, path.revision)
    if found is None:
        auth.record("api.definitions.read", reference=path.key, outcome="not_found")
        fail(404, f"{path.key} has no published revision {path.revision}.")
    return found


@get(
    "/definitions/<key>/versions/<int:revision>",
    auth.ANY_SCOPE,
    "definitions",
    responses={200: schemas.DefinitionVersion, **NOT_FOUND},
    summary="One published version of a questionnaire, as JSON",
)
def get_definition_version(path: schemas.VersionPath):
    """The definition (format 2) that screenings pinned to this revision were asked."""
    row, live = _version(path)
    definition = content.definition_of(row)
    auth.record("api.definitions.read", reference=f"{row.key} r{row.revision}")
    return _json(
        schemas.DefinitionVersion(
            key=row.key,
            version=row.version,
            revision=row.revision,
            published_at=row.published_at,
            live=live,
            definition=definition.model_dump(mode="json", by_alias=True),
        )
    )


@get(
    "/definitions/<key>/versions/<int:revision>/fhir",
    auth.ANY_SCOPE,
    "definitions",
    responses={**_fhir_doc("Questionnaire", "The version as a FHIR Questionnaire."), **NOT_FOUND},
    summary="One published version of a questionnaire, as a FHIR Questionnaire",
)
def get_definition_fhir(path: schemas.VersionPath):
    """The Questionnaire the FHIR Bundles of screenings pinned to this version refer to."""
    row, _ = _version(path)
    resource = questionnaire(row.key, row.version, row.revision, content.definition_of(row))
    auth.record("api.definitions.read", reference=f"{row.key} r{row.revision} fhir")
    return _fhir(resource)


@get(
    "/audit",
    "audit:read",
    "audit",
    responses={200: schemas.AuditPage},
    summary="The audit log, newest first",
)
def list_audit(query: schemas.AuditQuery):
    """Filter by time and action; page with `cursor`."""
    try:
        page = queries.audit_page(query)
    except queries.QueryError as exc:
        fail(400, str(exc), field=exc.field)
    auth.record("api.audit.read", detail=f"{len(page.items)} rows")
    return _json(page)
