"""Reading for the API: screenings and the audit trail by cursor, and the definitions.

Cursors are opaque to clients (base64 of the last row's sort key) and checked on the
way in, so a forged or damaged one is a 400, never a 500. Nothing here writes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from sqlalchemy import Select, and_, exists, or_, select

from screener.api import schemas
from screener.codes import format_code
from screener.edge import INT4_MAX
from screener.extensions import db
from screener.fhir import systems
from screener.models import (
    AuditEvent,
    ContentVersion,
    Screening,
    ScreeningInstrument,
    ScreeningResult,
)
from screener.services import content


class QueryError(ValueError):
    """A filter or cursor that cannot be used; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _encode(value: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise QueryError("cursor", "This cursor is damaged; start again without one.") from None
    if not isinstance(value, list):
        raise QueryError("cursor", "This cursor is damaged; start again without one.")
    return value


def _screening_cursor(cursor: str) -> tuple[dt.datetime, int]:
    value = _decode(cursor)
    try:
        at, screening_id = value
        when = dt.datetime.fromisoformat(at)
        if when.tzinfo is None or not _an_id(screening_id):
            raise ValueError
        when = schemas.utc_in_range(when)
    except (TypeError, ValueError):
        raise QueryError("cursor", "This cursor is damaged; start again without one.") from None
    return when, screening_id


def _an_id(value: object) -> bool:
    """A row id as the database stores it (a 32-bit INTEGER on PostgreSQL)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= INT4_MAX


def filtered_screenings(filters: schemas.ScreeningFilters) -> Select:
    """Submitted screenings matching the filters (no order, no page)."""
    query = select(Screening).where(Screening.status == "submitted")
    if filters.submitted_since is not None:
        query = query.where(Screening.submitted_at >= filters.submitted_since)
    if filters.submitted_until is not None:
        query = query.where(Screening.submitted_at < filters.submitted_until)
    if filters.instrument is not None:
        known = select(ContentVersion.id).where(
            ContentVersion.key == filters.instrument, ContentVersion.kind == "questionnaire"
        )
        if db.session.scalar(known.limit(1)) is None:
            raise QueryError("instrument", f"There is no questionnaire {filters.instrument!r}.")
        query = query.where(
            exists()
            .where(ScreeningInstrument.screening_id == Screening.id)
            .where(ScreeningInstrument.content_version_id == ContentVersion.id)
            .where(ContentVersion.key == filters.instrument)
        )
    for column, wanted in (
        (ScreeningResult.outcome, filters.outcome),
        (ScreeningResult.shown_outcome, filters.shown_outcome),
    ):
        if wanted is None:
            continue
        result = exists().where(ScreeningResult.screening_id == Screening.id, column == wanted)
        if filters.instrument is not None:
            result = result.where(ScreeningResult.questionnaire_key == filters.instrument)
        query = query.where(result)
    if filters.reviewed is True:
        query = query.where(Screening.reviewed_at.is_not(None))
    elif filters.reviewed is False:
        query = query.where(Screening.reviewed_at.is_(None))
    return query


NEWEST_FIRST = (Screening.submitted_at.desc(), Screening.id.desc())


def screening_page(query: schemas.ScreeningListQuery) -> schemas.ScreeningPage:
    statement = filtered_screenings(query)
    if query.cursor:
        at, last_id = _screening_cursor(query.cursor)
        statement = statement.where(
            or_(
                Screening.submitted_at < at,
                and_(Screening.submitted_at == at, Screening.id < last_id),
            )
        )
    found = list(db.session.scalars(statement.order_by(*NEWEST_FIRST).limit(query.limit + 1)))
    page, more = found[: query.limit], len(found) > query.limit
    outcomes = _outcomes([s.id for s in page])
    items = [
        schemas.ScreeningListItem(
            reference_code=format_code(s.reference_code),
            submitted_at=s.submitted_at,
            reviewed_at=s.reviewed_at,
            instruments=outcomes.get(s.id, []),
        )
        for s in page
    ]
    last = page[-1] if page else None
    cursor = _encode([last.submitted_at.isoformat(), last.id]) if more and last else None
    return schemas.ScreeningPage(items=items, limit=query.limit, next_cursor=cursor)


def _outcomes(ids: list[int]) -> dict[int, list[schemas.InstrumentOutcome]]:
    found: dict[int, list[schemas.InstrumentOutcome]] = {}
    if not ids:
        return found
    rows = db.session.execute(
        select(
            ScreeningResult.screening_id,
            ScreeningResult.questionnaire_key,
            ContentVersion.version,
            ContentVersion.revision,
            ScreeningResult.outcome,
            ScreeningResult.shown_outcome,
            ScreeningResult.score,
        )
        .join(ContentVersion, ContentVersion.id == ScreeningResult.content_version_id)
        .join(
            ScreeningInstrument,
            (ScreeningInstrument.screening_id == ScreeningResult.screening_id)
            & (ScreeningInstrument.content_version_id == ScreeningResult.content_version_id),
        )
        .where(ScreeningResult.screening_id.in_(ids))
        .order_by(ScreeningInstrument.position)
    )
    for screening_id, key, version, revision, outcome, shown, score in rows:
        found.setdefault(screening_id, []).append(
            schemas.InstrumentOutcome(
                key=key,
                version=version,
                revision=revision,
                outcome=outcome,
                shown_outcome=shown,
                score=score,
            )
        )
    return found


def audit_page(query: schemas.AuditQuery) -> schemas.AuditPage:
    statement = select(AuditEvent)
    if query.since is not None:
        statement = statement.where(AuditEvent.at >= query.since)
    if query.until is not None:
        statement = statement.where(AuditEvent.at < query.until)
    if query.action:
        statement = statement.where(AuditEvent.action == query.action)
    if query.cursor:
        value = _decode(query.cursor)
        if len(value) != 1 or not _an_id(value[0]):
            raise QueryError("cursor", "This cursor is damaged; start again without one.")
        statement = statement.where(AuditEvent.id < value[0])
    found = list(
        db.session.scalars(statement.order_by(AuditEvent.id.desc()).limit(query.limit + 1))
    )
    page, more = found[: query.limit], len(found) > query.limit
    items = [schemas.AuditEventOut.model_validate(event, from_attributes=True) for event in page]
    cursor = _encode([page[-1].id]) if more and page else None
    return schemas.AuditPage(items=items, limit=query.limit, next_cursor=cursor)


def _published() -> list[ContentVersion]:
    return list(
        db.session.scalars(
            select(ContentVersion)
            .where(ContentVersion.kind == "questionnaire", ContentVersion.published_at.is_not(None))
            .order_by(ContentVersion.key, ContentVersion.revision)
        )
    )


def definitions() -> schemas.DefinitionList:
    """Every published questionnaire with its versions; the newest is the live one."""
    by_key: dict[str, list[ContentVersion]] = {}
    for row in _published():
        by_key.setdefault(row.key, []).append(row)
    items = []
    for key, rows in by_key.items():
        newest = rows[-1]
        items.append(
            schemas.DefinitionOut(
                key=key,
                title=newest.title,
                versions=[_version(row, row is newest) for row in rows],
            )
        )
    return schemas.DefinitionList(items=items)


def _version(row: ContentVersion, live: bool) -> schemas.VersionOut:
    pinned = (
        f"{systems.questionnaire_url(row.key)}|{systems.fhir_version(row.version, row.revision)}"
    )
    return schemas.VersionOut(
        version=row.version,
        revision=row.revision,
        published_at=row.published_at,
        live=live,
        fhir_questionnaire=pinned,
    )


def published_version(key: str, revision: int) -> tuple[ContentVersion, bool] | None:
    """A published version of a questionnaire and whether it is the live one."""
    row = db.session.scalar(
        select(ContentVersion).where(
            ContentVersion.kind == "questionnaire",
            ContentVersion.key == key,
            ContentVersion.revision == revision,
            ContentVersion.published_at.is_not(None),
        )
    )
    if row is None:
        return None
    live = content.live_version(key)
    return row, live is not None and live.id == row.id
