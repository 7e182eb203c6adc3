"""The clinic's settings: one row, with defaults from configuration."""

from __future__ import annotations

from flask import current_app

from screener.extensions import db
from screener.models import ClinicSettings


def ensure_settings() -> ClinicSettings:
    """The settings row, created from configuration the first time."""
    settings = db.session.get(ClinicSettings, 1)
    if settings is None:
        config = current_app.config
        settings = ClinicSettings(
            id=1,
            name=config["CLINIC_NAME"],
            contact=config["CLINIC_CONTACT"],
            retention_days=config["RETENTION_DAYS"],
            providers=[],
        )
        db.session.add(settings)
        db.session.flush()
    return settings


def current() -> dict:
    """Plain data for templates and reports."""
    settings = db.session.get(ClinicSettings, 1)
    if settings is None:
        config = current_app.config
        return {
            "name": config["CLINIC_NAME"],
            "contact": config["CLINIC_CONTACT"],
            "retention_days": config["RETENTION_DAYS"],
            "providers": [],
        }
    return {
        "name": settings.name,
        "contact": settings.contact,
        "retention_days": settings.retention_days,
        "providers": list(settings.providers or []),
    }
