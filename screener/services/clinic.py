"""The clinic's settings: one row, with defaults from configuration."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from screener.clinic_time import DATE_ORDERS, check_zone
from screener.database import begin_write, utcnow
from screener.extensions import db
from screener.models import ClinicSettings
from screener.urgent_help import MAX_LENGTH as URGENT_HELP_MAX
from screener.urgent_help import resolve as resolve_urgent_help


def ensure_settings() -> ClinicSettings:
    """The settings row, created from configuration the first time."""
    settings = db.session.get(ClinicSettings, 1)
    if settings is None:
        config = current_app.config
        settings = ClinicSettings(
            id=1,
            name=config["CLINIC_NAME"],
            contact=config["CLINIC_CONTACT"],
            urgent_help=check_urgent_help(config.get("CLINIC_URGENT_HELP", "")),
            retention_days=config["RETENTION_DAYS"],
            screenings_per_address=config["SCREENINGS_PER_ADDRESS"],
            timezone=config.get("TIMEZONE") or None,
            providers=[],
        )
        db.session.add(settings)
        db.session.flush()
    return settings


DEMO_NAME = "Demo clinic"
NAME_MAX = 200


def check_name(given: str) -> str:
    """The clinic's name as one line. It heads every page and goes into the subject of
    invitation e-mails, so line breaks (which a mail header refuses) become spaces and
    other control characters are refused."""
    name = " ".join(given.split())
    if not name:
        raise SettingsError("enter the clinic's name")
    if len(name) > NAME_MAX or any(ord(ch) < 32 or ch == "\x7f" for ch in name):
        raise SettingsError(
            f"the clinic's name can be at most {NAME_MAX} characters, without control characters"
        )
    return name


def name_at_init(given: str | None, *, demo: bool, required: bool) -> str:
    """Settle the clinic's name at ``screener init``; return the name kept.

    ``given`` (``--clinic-name``) replaces the stored name; otherwise the stored one
    (first from ``SCREENER_CLINIC_NAME``) stays. A demo without a name is called
    DEMO_NAME. With ``required`` (production) a clinic still without a name raises
    SettingsError, so patients never see a made-up name or none at all.
    """
    settings = ensure_settings()
    if given is not None and given.strip():
        settings.name = check_name(given)
    elif not settings.name.strip() and demo and not required:
        settings.name = DEMO_NAME
    if required and not settings.name.strip():
        raise SettingsError(
            "the clinic's name is not set: patients see it on every page. Run "
            'screener init --clinic-name "Riverside Clinic" (or set SCREENER_CLINIC_NAME)'
        )
    db.session.flush()
    return settings.name


DEFAULT_DRAFT_RETENTION_DAYS = 7  # the column's server default

_CURRENT = select(
    ClinicSettings.name,
    ClinicSettings.contact,
    ClinicSettings.urgent_help,
    ClinicSettings.retention_days,
    ClinicSettings.draft_retention_days,
    ClinicSettings.providers,
).where(ClinicSettings.id == 1)


def current() -> dict:
    """Plain data for templates and reports.

    Read with a prebuilt column query (no ORM object): every patient page calls this.
    ``urgent_help`` is the text to show: the clinic's wording, or the default.
    """
    row = db.session.connection().execute(_CURRENT).first()
    if row is None:
        config = current_app.config
        return {
            "name": config["CLINIC_NAME"],
            "contact": config["CLINIC_CONTACT"],
            "urgent_help": resolve_urgent_help(config.get("CLINIC_URGENT_HELP")),
            "retention_days": config["RETENTION_DAYS"],
            "draft_retention_days": DEFAULT_DRAFT_RETENTION_DAYS,
            "providers": [],
        }
    return {
        "name": row.name,
        "contact": row.contact,
        "urgent_help": resolve_urgent_help(row.urgent_help),
        "retention_days": row.retention_days,
        "draft_retention_days": row.draft_retention_days,
        "providers": list(row.providers or []),
    }


_CLOCK = select(ClinicSettings.timezone, ClinicSettings.date_order).where(ClinicSettings.id == 1)


def clock_settings() -> tuple[str | None, str | None]:
    """The clinic's time zone and date order as stored; (None, None) before ``init``.

    Two short columns by a prebuilt query: ``screener.clinic_time`` calls this once per
    request that shows a time. A zone of None means the configured ``SCREENER_TIMEZONE``.
    """
    row = db.session.connection().execute(_CLOCK).first()
    return (row.timezone, row.date_order) if row is not None else (None, None)


SCREENINGS_WINDOW = "10 minutes"
SCREENINGS_PER_ADDRESS_MAX = 10_000
_PER_ADDRESS = select(ClinicSettings.screenings_per_address).where(ClinicSettings.id == 1)


def screenings_limit() -> str:
    """The waiting-room limit for Flask-Limiter: ``"30 per 10 minutes"``.

    Read on every new screening, so a change by staff applies to the next one. If the
    database cannot be read the configured first value applies; starting then fails
    with the calm 503 of the view, not inside the rate limiter.
    """
    try:
        count = db.session.connection().execute(_PER_ADDRESS).scalar()
    except SQLAlchemyError:
        db.session.rollback()
        count = None
    if count is None:
        count = current_app.config["SCREENINGS_PER_ADDRESS"]
    return f"{count} per {SCREENINGS_WINDOW}"


ASSESSES = {"adhd": "ADHD assessment", "sleep": "Sleep and restless legs", "gp": "General practice"}


class SettingsConflict(ValueError):
    """The settings were changed by someone else since the form was opened."""


class SettingsError(ValueError):
    """A value the settings cannot hold; the message says which and why."""


def check_web_address(url: str) -> str:
    """Accept only absolute http(s) addresses with a host: no ``javascript:`` or ``data:``."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SettingsError("a web address must start with https:// or http:// and name a site")
    if any(ch.isspace() or ord(ch) < 32 for ch in url) or parts.username or parts.password:
        raise SettingsError("a web address cannot contain spaces or a user name")
    return url


def check_urgent_help(wording: str) -> str:
    """The clinic's urgent-help wording as one line; "" keeps the default.

    Line breaks and runs of spaces become single spaces: it is shown as one sentence
    or two. Other control characters (a NUL, which PostgreSQL cannot store) are refused.
    """
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in wording) or "\x7f" in wording:
        raise SettingsError(
            "the urgent-help line cannot contain hidden control characters (such as NUL)"
        )
    wording = " ".join(wording.split())
    if len(wording) > URGENT_HELP_MAX:
        raise SettingsError(
            f"the urgent-help line can be at most {URGENT_HELP_MAX} characters"
            f" (it has {len(wording)})"
        )
    return wording


def check_time_zone(name: str) -> str:
    """A time zone name the server knows ("Europe/Berlin"), else SettingsError."""
    try:
        return check_zone(name)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def update_settings(
    *,
    name: str,
    contact: str,
    urgent_help: str,
    retention_days: int,
    draft_retention_days: int,
    screenings_per_address: int,
    providers: list[dict],
    lock_version: int,
    timezone: str,
    date_order: str,
) -> tuple[ClinicSettings, list[str]]:
    """Save the settings if nobody else saved them since ``lock_version`` was read.

    The write is a conditional UPDATE on ``lock_version``, so of two staff saving the
    same form the second gets SettingsConflict rather than undoing the first. Returns
    the saved row and the names of the fields that changed (for the audit trail).
    """
    clean = [_clean_provider(provider) for provider in providers]
    urgent_help = check_urgent_help(urgent_help)
    if not 1 <= retention_days <= 3650 or not 1 <= draft_retention_days <= 3650:
        raise SettingsError("retention periods must be from 1 to 3650 days")
    if not 1 <= screenings_per_address <= SCREENINGS_PER_ADDRESS_MAX:
        raise SettingsError(
            f"new screenings per address must be from 1 to {SCREENINGS_PER_ADDRESS_MAX}"
        )
    name = check_name(name)
    timezone = check_time_zone(timezone)
    if date_order not in DATE_ORDERS:
        raise SettingsError("choose how dates are written")
    begin_write()
    before = ensure_settings()
    db.session.flush()
    values = {
        "name": name,
        "contact": contact.strip(),
        "urgent_help": urgent_help,
        "retention_days": retention_days,
        "draft_retention_days": draft_retention_days,
        "screenings_per_address": screenings_per_address,
        "providers": clean,
        "timezone": timezone,
        "date_order": date_order,
    }
    fields = [field for field, value in values.items() if getattr(before, field) != value]
    changed = db.session.execute(
        update(ClinicSettings)
        .where(ClinicSettings.id == 1, ClinicSettings.lock_version == lock_version)
        .values(
            **values,
            updated_at=utcnow(),
            lock_version=ClinicSettings.lock_version + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise SettingsConflict("someone else saved the settings while you were editing")
    settings = db.session.get(ClinicSettings, 1)
    db.session.refresh(settings)
    return settings, fields


def _clean_provider(provider: dict) -> dict:
    name = (provider.get("name") or "").strip()
    assesses = [value for value in provider.get("assesses") or [] if value in ASSESSES]
    if not name:
        raise SettingsError("every referral provider needs a name")
    if not assesses:
        raise SettingsError(f"say what {name} assesses")
    return {
        "name": name,
        "assesses": assesses,
        "phone": (provider.get("phone") or "").strip(),
        "url": check_web_address(provider.get("url") or ""),
    }
