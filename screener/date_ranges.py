"""Filtering by calendar days, as the worklist and the audit log both do."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select

# Days a filter may name. Nothing is stored outside them, and the last day plus one
# must still be a date (9999-12-31 + 1 day is not).
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)
OUT_OF_RANGE = f"enter a date from {EARLIEST.isoformat()} to {LATEST.isoformat()}."


def in_range(day: dt.date) -> bool:
    return EARLIEST <= day <= LATEST


def within_days(
    query: Select,
    column,
    date_from: dt.date | None,
    date_to: dt.date | None,
    zone: dt.tzinfo = dt.UTC,
) -> Select:
    """Rows whose ``column`` falls on ``date_from`` .. ``date_to`` (both included), as
    days on the clock of ``zone`` (the clinic's, so a filter matches the dates shown)."""
    if date_from:
        query = query.where(column >= midnight(max(date_from, EARLIEST), zone))
    if date_to:
        query = query.where(column < midnight(min(date_to, LATEST) + dt.timedelta(days=1), zone))
    return query


def midnight(day: dt.date, zone: dt.tzinfo = dt.UTC) -> dt.datetime:
    """The start of ``day`` in ``zone``, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)
