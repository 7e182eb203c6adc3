"""Filtering by calendar days, as the worklist and the audit log both do."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select


def within_days(
    query: Select, column, date_from: dt.date | None, date_to: dt.date | None
) -> Select:
    """Rows whose ``column`` falls on ``date_from`` .. ``date_to`` (UTC days, both included)."""
    if date_from:
        query = query.where(column >= midnight(date_from))
    if date_to:
        query = query.where(column < midnight(date_to + dt.timedelta(days=1)))
    return query


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
