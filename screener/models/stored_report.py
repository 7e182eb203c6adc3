"""The rendered PDF of a submitted screening, stored once and served as stored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from screener.database import UTCDateTime, utcnow
from screener.extensions import db


class StoredReport(db.Model):
    __tablename__ = "stored_reports"

    screening_id: Mapped[int] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), primary_key=True
    )
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    rendered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
