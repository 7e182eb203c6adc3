"""Reading the audit trail: filters and pages, newest first. Nothing here writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, select

from screener import clinic_time, paging
from screener.date_ranges import within_days
from screener.extensions import db
from screener.models import AuditEvent

PAGE_SIZE = 50
MAX_FOUND = 200


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    outcome: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def filtered(filters: AuditFilters) -> Select:
    query = select(AuditEvent)
    if filters.actor:
        query = query.where(
            AuditEvent.actor.contains(filters.actor.strip().lower(), autoescape=True)
        )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.outcome:
        query = query.where(AuditEvent.outcome == filters.outcome.strip())
    return within_days(
        query, AuditEvent.at, filters.date_from, filters.date_to, clinic_time.current().tzinfo
    )


def page(filters: AuditFilters, number: int, size: int = PAGE_SIZE):
    """(events, total, page number, pages)."""
    query = filtered(filters)
    shown = paging.window(query, number, size)
    events = db.session.scalars(shown.of(query.order_by(AuditEvent.id.desc()))).all()
    return events, shown.total, shown.number, shown.pages


def about(reference: str) -> list[AuditEvent]:
    """The latest events whose reference is ``reference`` (a code with or without dashes)."""
    from screener.codes import format_code, normalise_code

    code = normalise_code(reference)
    wanted = {reference.strip()} | ({code, format_code(code)} if code else set())
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.reference.in_(wanted))
            .order_by(AuditEvent.id.desc())
            .limit(MAX_FOUND)
        )
    )
