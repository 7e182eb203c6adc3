"""Clinicians' reviews of a screening: one row per review, never changed afterwards."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from screener.database import UTCDateTime, utcnow
from screener.extensions import db


class ReviewNote(db.Model):
    """Who reviewed a screening, when, and what they noted (the note may be empty).

    A second review adds a row; nothing overwrites an earlier one. The reviewer's e-mail
    is copied, as in the audit trail, so the history still says who wrote a note after
    the account is gone.
    """

    __tablename__ = "review_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
