"""Times on the portal pages in the clinic's own time zone (``SCREENER_TIMEZONE``).

Everything is stored in UTC; only what a person reads is converted. The zone's
abbreviation is printed with the time ("09:05 CET"), so a reader never has to guess
which clock a time is on. The default is UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from screener.config import ConfigError

DEFAULT = "UTC"


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone called ``name`` ("Europe/Berlin"); a wrong name stops the app."""
    try:
        return ZoneInfo(name or DEFAULT)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"SCREENER_TIMEZONE {name!r} is not a known time zone: use a name such as "
            "Europe/Berlin or America/Chicago (see /usr/share/zoneinfo), or leave it unset "
            "for UTC"
        ) from exc


def local(when: dt.datetime | None, with_date: bool = True) -> str:
    """``2026-12-01 09:05 CET`` in the clinic's zone; empty for no time."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    here = when.astimezone(zone(current_app.config.get("TIMEZONE")))
    return here.strftime("%Y-%m-%d %H:%M %Z" if with_date else "%H:%M %Z")
