"""Dates and times as the clinic reads them: its own time zone and date order.

Everything is stored in UTC; only what a person reads is converted. Staff set the zone
and the order on the clinic settings page (``SCREENER_TIMEZONE`` gives the first zone).
The zone's abbreviation is printed with a time ("09:05 CET"), so a reader never has to
guess which clock a time is on. Machine-readable times (results.json, the CSV export)
stay UTC ISO 8601 and never come through here.

``Clock`` does the formatting for the pages, the PDF and the results page alike; the
``clinic_time`` and ``clinic_date`` template filters use the clinic's current clock,
read from its settings once per request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_request_context, request

from screener.config import ConfigError

DEFAULT = "UTC"
DEFAULT_ORDER = "dmy"
# The orders a clinic can choose, with how 1 December 2026 then reads.
DATE_ORDERS = {
    "dmy": "Day month year: 1 December 2026",
    "mdy": "Month day, year: December 1, 2026",
    "iso": "Year-month-day: 2026-12-01",
}
MAX_ZONE_LENGTH = 64


class ZoneError(ValueError):
    """Not a time zone this server knows; the message says what to enter instead."""


def check_zone(name: str) -> str:
    """The IANA zone name ``name`` ("Europe/Berlin"), stripped; ZoneError if unknown."""
    name = (name or "").strip()
    if not name:
        raise ZoneError("enter a time zone, such as Europe/Berlin, or UTC")
    try:
        if len(name) > MAX_ZONE_LENGTH or any(ord(ch) < 32 for ch in name):
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ZoneError(
            f"“{name[:MAX_ZONE_LENGTH]}” is not a time zone this server knows: use a name "
            "such as Europe/Berlin, America/Chicago or Australia/Sydney, or UTC"
        ) from None
    return name


def zone(name: str | None) -> ZoneInfo:
    """The configured zone (``SCREENER_TIMEZONE``); a wrong name stops the app."""
    try:
        return ZoneInfo(check_zone(name or DEFAULT))
    except ZoneError as exc:
        raise ConfigError(
            f"SCREENER_TIMEZONE {name!r} is not a known time zone: use a name such as "
            "Europe/Berlin or America/Chicago (see /usr/share/zoneinfo), or leave it unset "
            "for UTC"
        ) from exc


@dataclass(frozen=True)
class Clock:
    """How one clinic writes dates and times."""

    zone_name: str = DEFAULT
    order: str = DEFAULT_ORDER

    @classmethod
    def of(cls, zone_name: str | None, order: str | None) -> Clock:
        """A clock from stored values; an unknown zone or order falls back to the default
        (a zone removed from the server's tz database must not break every page)."""
        try:
            name = check_zone(zone_name or DEFAULT)
        except ZoneError:
            name = DEFAULT
        return cls(name, order if order in DATE_ORDERS else DEFAULT_ORDER)

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def later(self, when: dt.datetime, **delta: int) -> dt.datetime:
        """``when`` moved on by whole ``days`` or ``weeks`` of the clinic's calendar: the
        same time of day there, across a change to or from summer time; in UTC."""
        here = self._here(when).replace(tzinfo=None) + dt.timedelta(**delta)
        return here.replace(tzinfo=self.tzinfo).astimezone(dt.UTC)

    def _here(self, when: dt.datetime) -> dt.datetime:
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return when.astimezone(self.tzinfo)

    def _day(self, day: dt.date) -> str:
        if self.order == "iso":
            return day.isoformat()
        month = f"{day:%B}"
        if self.order == "mdy":
            return f"{month} {day.day}, {day.year}"
        return f"{day.day} {month} {day.year}"

    def date(self, when: dt.datetime | None) -> str:
        """The day of ``when`` in the clinic's zone: "1 December 2026"; "" for no time."""
        return self._day(self._here(when).date()) if when is not None else ""

    def time(self, when: dt.datetime | None, with_date: bool = True, seconds: bool = False) -> str:
        """ "1 December 2026, 09:05 CET" (or "2026-12-01 09:05 CET"); "" for no time."""
        if when is None:
            return ""
        day, clock = self.day_and_clock(when, seconds)
        return f"{day} {clock}" if with_date else clock

    def day_and_clock(self, when: dt.datetime, seconds: bool = False) -> tuple[str, str]:
        """The two halves of :meth:`time`, for a page that keeps each on one line:
        ("1 December 2026,", "09:05 CET") or ("2026-12-01", "09:05 CET")."""
        here = self._here(when)
        clock = here.strftime("%H:%M:%S %Z" if seconds else "%H:%M %Z")
        day = self._day(here.date())
        return (day if self.order == "iso" else day + ","), clock


def current() -> Clock:
    """The clinic's clock from its settings, read once per request."""
    if has_request_context():
        cached = getattr(request, "_clinic_clock", None)
        if cached is None:
            cached = _read()
            request._clinic_clock = cached  # type: ignore[attr-defined]
        return cached
    return _read()


def _read() -> Clock:
    from screener.services import clinic

    zone_name, order = clinic.clock_settings()
    return Clock.of(zone_name or current_app.config.get("TIMEZONE"), order)


def local(when: dt.datetime | None, with_date: bool = True, seconds: bool = False) -> str:
    """Template filter ``clinic_time``: a time (with its day) on the clinic's clock."""
    return current().time(when, with_date, seconds) if when is not None else ""


def local_date(when: dt.datetime | None) -> str:
    """Template filter ``clinic_date``: the day of a time on the clinic's clock."""
    return current().date(when) if when is not None else ""
