"""The clinic's own details: a single row, edited by staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from screener.database import UTCDateTime, utcnow
from screener.extensions import db


class ClinicSettings(db.Model):
    __tablename__ = "clinic_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("retention_days >= 1", name="retention_positive"),
        CheckConstraint("draft_retention_days >= 1", name="draft_retention_positive"),
        CheckConstraint("screenings_per_address >= 1", name="screenings_per_address_positive"),
        CheckConstraint("date_order IN ('dmy', 'mdy', 'iso')", name="date_order_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(500), default="")
    # Where to turn if the person feels unsafe: the clinic's own wording, "" for the default.
    urgent_help: Mapped[str] = mapped_column(String(500), default="", server_default="")
    retention_days: Mapped[int] = mapped_column(default=365)
    # Unfinished screenings are purged sooner: nobody reviews them.
    draft_retention_days: Mapped[int] = mapped_column(default=7, server_default="7")
    # New screenings one address may start in SCREENINGS_WINDOW: a waiting room or a
    # library shares one address, a script filling the database with drafts too.
    screenings_per_address: Mapped[int] = mapped_column(default=30, server_default="30")
    # The IANA time zone of times on the portal pages and the PDF; NULL (installations
    # from before it was a setting) means the configured SCREENER_TIMEZONE.
    timezone: Mapped[str | None] = mapped_column(String(64), default=None)
    # How dates read: "dmy" (1 December 2026), "mdy" (December 1, 2026), "iso" (2026-12-01).
    date_order: Mapped[str] = mapped_column(String(8), default="dmy", server_default="dmy")
    # [{"name", "assesses": ["adhd" | "sleep" | "gp"], "phone", "url"}]
    providers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    lock_version: Mapped[int] = mapped_column(default=1)
