"""Service tokens: how another system (a clinic's record, REDCap, a FHIR store) calls the API.

Only a hash of the token is stored; the token itself is shown once, when it is made.
A token has scopes, an expiry within a year, and is revoked rather than deleted, so
the audit trail can still name it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from screener.database import UTCDateTime, utcnow
from screener.extensions import db

ACTIVE_NAME_WHERE = text("revoked_at IS NULL")


class ServiceToken(db.Model):
    __tablename__ = "service_tokens"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_given"),
        # One usable token per name; revoked ones stay for the audit trail.
        Index(
            "uq_service_tokens_active_name",
            "name",
            unique=True,
            sqlite_where=ACTIVE_NAME_WHERE,
            postgresql_where=ACTIVE_NAME_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, so a token in a config file can be recognised.
    hint: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    def state(self, now: dt.datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"
