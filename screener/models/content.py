"""Immutable versions of questionnaire definitions and explanatory texts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from screener.database import UTCDateTime, utcnow
from screener.extensions import db


class ContentVersion(db.Model):
    """One exact text of a definition (or of the texts file), never changed once stored.

    Screenings point at these rows, so a later edit of a file creates a new row and
    leaves every past screening, and its PDF, as it was.
    """

    __tablename__ = "content_versions"
    __table_args__ = (
        UniqueConstraint("key", "revision"),
        UniqueConstraint("key", "sha256", name="uq_content_versions_key_sha256"),
        CheckConstraint("kind IN ('questionnaire', 'texts')", name="kind"),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    source_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def label(self) -> str:
        return f"{self.key} {self.version} (rev {self.revision})"
