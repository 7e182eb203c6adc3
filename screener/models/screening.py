"""A patient's screening: the versions it is pinned to, its answers and its results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from screener.database import UTCDateTime, utcnow
from screener.extensions import db
from screener.models.review import ReviewNote

STATUSES = ("draft", "submitted")
OUTCOMES = ("consistent", "possible", "not_consistent", "incomplete", "informational")
# How clinicians' lists read an outcome (``screener.wording.shown_outcome``): a "no" to the
# screening question from someone treated for the condition is "cannot tell".
CANNOT_TELL_TREATED = "cannot_tell_treated"
SHOWN_OUTCOMES = (*OUTCOMES, CANNOT_TELL_TREATED)


class Screening(db.Model):
    """Identified only by a random reference code; no name, e-mail or address is stored."""

    __tablename__ = "screenings"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted')", name="status"),
        CheckConstraint(
            "(status = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_when"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_code: Mapped[str] = mapped_column(String(16), unique=True)
    resume_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    texts_version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # Clinic name and providers as they were at submission, so the PDF never changes.
    clinic_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The latest review, for the worklist's filter; every review is a ``ReviewNote``.
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    instruments: Mapped[list[ScreeningInstrument]] = relationship(
        back_populates="screening",
        order_by="ScreeningInstrument.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    results: Mapped[list[ScreeningResult]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    review_notes: Mapped[list[ReviewNote]] = relationship(
        order_by="ReviewNote.id", cascade="all, delete-orphan", passive_deletes=True
    )


class ScreeningInstrument(db.Model):
    """Pins a screening to the exact definition version it is answered on."""

    __tablename__ = "screening_instruments"
    __table_args__ = (UniqueConstraint("screening_id", "content_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    content_version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    position: Mapped[int]

    screening: Mapped[Screening] = relationship(back_populates="instruments")


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("screening_id", "questionnaire_key", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), index=True
    )
    questionnaire_key: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[str] = mapped_column(String(40))
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ScreeningResult(db.Model):
    __tablename__ = "screening_results"
    __table_args__ = (
        UniqueConstraint("screening_id", "content_version_id"),
        CheckConstraint(
            "outcome IN ('consistent', 'possible', 'not_consistent', 'incomplete', "
            "'informational')",
            name="outcome",
        ),
        CheckConstraint(
            "shown_outcome IN ({})".format(", ".join(f"'{name}'" for name in SHOWN_OUTCOMES)),
            name="shown_outcome",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), index=True
    )
    content_version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    questionnaire_key: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    # What the worklist, the CSV and the FHIR export show (``wording.shown_outcome``): the
    # outcome, or "cannot_tell_treated" for a "no" to the screening question from someone
    # treated for the condition, which the summary reports as "cannot tell".
    shown_outcome: Mapped[str] = mapped_column(String(24), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
